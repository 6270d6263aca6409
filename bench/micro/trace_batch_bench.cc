// Micro-benchmarks of the TraceBatch operations processors use, on the load generator's
// realistic (~500-byte) spans, 100 per request in traces of 10: partitioning by trace id,
// dropping spans, editing one span or all of them, reading attributes on the wire, splitting.
// Each wire operation sits next to what the same work costs through a full protobuf decode and
// re-encode. Run: build/bench/micro/trace_batch_bench
#include <string>

#include "bench/workload/workload.h"
#include "benchmark/benchmark.h"
#include "pipeline/trace_batch.h"

namespace weir {
namespace {

using pipeline::SpanEditor;
using pipeline::SpanView;
using pipeline::TraceBatch;

constexpr int kSpans = 100;

const std::string& RequestBytes() {
  static const std::string bytes = [] {
    loadgen::WorkloadGenerator generator(loadgen::WorkloadOptions{});
    otlp::ExportRequest request;
    generator.Generate(1, kSpans, &request);
    return request.SerializeAsString();
  }();
  return bytes;
}

TraceBatch Batch() { return *TraceBatch::FromProtoBytes(RequestBytes()); }

void Items(benchmark::State& state) { state.SetItemsProcessed(state.iterations() * kSpans); }

void BM_ForEachSpanView(benchmark::State& state) {
  TraceBatch batch = Batch();
  for (auto _ : state) {
    uint64_t sum = 0;
    batch.ForEachSpanView([&](const SpanView& s) { sum += s.kind() + s.trace_id().size(); });
    benchmark::DoNotOptimize(sum);
  }
  Items(state);
}
BENCHMARK(BM_ForEachSpanView);

void BM_FindSpanAttribute(benchmark::State& state) {
  TraceBatch batch = Batch();
  for (auto _ : state) {
    int found = 0;
    batch.ForEachSpanView(
        [&](const SpanView& s) { found += s.FindAttribute("http.route") ? 1 : 0; });
    benchmark::DoNotOptimize(found);
  }
  Items(state);
}
BENCHMARK(BM_FindSpanAttribute);

void BM_ResourceServiceName(benchmark::State& state) {
  TraceBatch batch = Batch();
  for (auto _ : state) {
    size_t n = 0;
    batch.ForEachSpanView([&](const SpanView& s) { n += s.resource().service_name().size(); });
    benchmark::DoNotOptimize(n);
  }
  Items(state);
}
BENCHMARK(BM_ResourceServiceName);

void BM_PartitionByTraceId(benchmark::State& state) {
  TraceBatch batch = Batch();
  for (auto _ : state) {
    auto parts = batch.Partition([](const SpanView& s) { return s.trace_id(); });
    benchmark::DoNotOptimize(parts.data());
  }
  Items(state);
}
BENCHMARK(BM_PartitionByTraceId);

void BM_RetainHalf(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TraceBatch batch = Batch();
    state.ResumeTiming();
    int i = 0;
    batch.RetainSpans([&](const SpanView&) { return i++ % 2 == 0; });
    benchmark::DoNotOptimize(batch.ByteSize());
  }
  Items(state);
}
BENCHMARK(BM_RetainHalf);

// The same filter through a full decode and re-encode.
void BM_RetainHalfByFullDecode(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TraceBatch batch = Batch();
    state.ResumeTiming();
    batch
        .Mutate([](otlp::ExportRequest* r) {
          for (auto& rs : *r->mutable_resource_spans())
            for (auto& ss : *rs.mutable_scope_spans()) {
              auto* spans = ss.mutable_spans();
              for (int i = spans->size() - 1; i >= 0; --i)
                if (i % 2 == 1) spans->DeleteSubrange(i, 1);
            }
        })
        .IgnoreError();
    benchmark::DoNotOptimize(batch.ByteSize());
  }
  Items(state);
}
BENCHMARK(BM_RetainHalfByFullDecode);

void EditOne(SpanEditor& e) {
  auto* kv = e.mutable_span()->add_attributes();
  kv->set_key("redacted");
  kv->mutable_value()->set_bool_value(true);
}

void BM_EditOneSpanInHundred(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TraceBatch batch = Batch();
    state.ResumeTiming();
    int i = 0;
    batch
        .EditSpans([&](SpanEditor& e) {
          if (i++ == 50) EditOne(e);
        })
        .IgnoreError();
    benchmark::DoNotOptimize(batch.ByteSize());
  }
  Items(state);
}
BENCHMARK(BM_EditOneSpanInHundred);

void BM_EditEverySpan(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TraceBatch batch = Batch();
    state.ResumeTiming();
    batch.EditSpans(EditOne).IgnoreError();
    benchmark::DoNotOptimize(batch.ByteSize());
  }
  Items(state);
}
BENCHMARK(BM_EditEverySpan);

// Editing one span through a full decode and re-encode of the request.
void BM_EditOneSpanByFullDecode(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TraceBatch batch = Batch();
    state.ResumeTiming();
    batch
        .Mutate([](otlp::ExportRequest* r) {
          auto* kv = r->mutable_resource_spans(0)
                         ->mutable_scope_spans(0)
                         ->mutable_spans(50)
                         ->add_attributes();
          kv->set_key("redacted");
          kv->mutable_value()->set_bool_value(true);
        })
        .IgnoreError();
    benchmark::DoNotOptimize(batch.ByteSize());
  }
  Items(state);
}
BENCHMARK(BM_EditOneSpanByFullDecode);

void BM_SplitFrontHalf(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    TraceBatch batch = Batch();
    state.ResumeTiming();
    TraceBatch front = batch.SplitFront(kSpans / 2);
    benchmark::DoNotOptimize(front.ByteSize());
  }
  Items(state);
}
BENCHMARK(BM_SplitFrontHalf);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
