// Micro-benchmarks of the span-editing processors on the load generator's realistic
// (~500-byte) spans, 100 per request: the processor's own cost per span, without receiving or
// exporting. Run: build/bench/micro/processors_bench
#include <memory>
#include <string>

#include "bench/workload/workload.h"
#include "benchmark/benchmark.h"
#include "config/node.h"
#include "pipeline/consumer.h"
#include "pipeline/telemetry/metrics.h"
#include "processors/attributes/processor.h"
#include "processors/filter/processor.h"
#include "processors/redaction/processor.h"
#include "yaml-cpp/yaml.h"

namespace weir {
namespace {

constexpr int kSpans = 100;

class NullConsumer final : public pipeline::TracesConsumer {
 public:
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext&, pipeline::TraceBatch) override {
    return absl::OkStatus();
  }
};

std::string RequestBytes(int pii_percent) {
  loadgen::WorkloadOptions options;
  options.pii_percent = pii_percent;
  loadgen::WorkloadGenerator generator(options);
  otlp::ExportRequest request;
  generator.Generate(1, kSpans, &request);
  return request.SerializeAsString();
}

constexpr char kRedaction[] = R"(
allow_all_keys: true
blocked_values:
  - "\\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14})\\b"
  - "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"
  - "(?i)bearer\\s+[A-Za-z0-9._~+/=-]+"
)";

void BM_Redaction(benchmark::State& state) {
  const std::string bytes = RequestBytes(static_cast<int>(state.range(0)));
  telemetry::Telemetry telemetry;
  pipeline::Settings settings;
  settings.telemetry = &telemetry;
  config::Diagnostics d;
  auto cfg =
      processors::redaction::DecodeConfig(config::Node(YAML::Load(kRedaction), "redaction", &d));
  NullConsumer sink;
  processors::redaction::Processor processor(settings, *cfg, sink);
  for (auto _ : state) {
    state.PauseTiming();
    pipeline::TraceBatch batch = *pipeline::TraceBatch::FromProtoBytes(bytes);
    state.ResumeTiming();
    benchmark::DoNotOptimize(processor.ConsumeTraces(std::move(batch)));
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_Redaction)->Arg(0)->Arg(10)->Arg(100);

template <typename ProcessorT, auto kDecode>
void RunProcessor(benchmark::State& state, const char* yaml) {
  const std::string bytes = RequestBytes(0);
  telemetry::Telemetry telemetry;
  pipeline::Settings settings;
  settings.telemetry = &telemetry;
  config::Diagnostics d;
  auto cfg = kDecode(config::Node(YAML::Load(yaml), "processor", &d));
  NullConsumer sink;
  ProcessorT processor(settings, *cfg, sink);
  for (auto _ : state) {
    state.PauseTiming();
    pipeline::TraceBatch batch = *pipeline::TraceBatch::FromProtoBytes(bytes);
    state.ResumeTiming();
    benchmark::DoNotOptimize(processor.ConsumeTraces(std::move(batch)));
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_AttributesUpsert(benchmark::State& state) {
  RunProcessor<processors::attributes::Processor, &processors::attributes::DecodeConfig>(
      state, "actions: [{key: deployment.environment, value: production, action: upsert}]");
}
BENCHMARK(BM_AttributesUpsert);

void BM_FilterByRoute(benchmark::State& state) {
  RunProcessor<processors::filter::Processor, &processors::filter::DecodeConfig>(
      state, R"(traces: {span: ['attributes["http.route"] == "/api/v1/catalog/items"']})");
}
BENCHMARK(BM_FilterByRoute);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
