// Micro-benchmarks of what weir does per request on its hot path, on the load generator's
// realistic (~500-byte) spans, 100 per request: the validating wire scan next to a full
// protobuf parse (what a decode-everything collector pays), JSON decoding, batching and
// encoding, and gzip. Run: build/bench/micro/hot_path_bench
#include <string>
#include <vector>

#include "bench/workload/workload.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/arena.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/trace_batch.h"

namespace weir {
namespace {

constexpr int kSpans = 100;

std::string RequestBytes() {
  loadgen::WorkloadGenerator generator(loadgen::WorkloadOptions{});
  otlp::ExportRequest request;
  generator.Generate(1, kSpans, &request);
  return request.SerializeAsString();
}

void BM_WireScan(benchmark::State& state) {
  std::string bytes = RequestBytes();
  otlp::wire::Index index;
  for (auto _ : state) {
    benchmark::DoNotOptimize(otlp::wire::ScanRequest(bytes, &index));
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_WireScan);

void BM_ProtobufParseOnArena(benchmark::State& state) {
  std::string bytes = RequestBytes();
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<otlp::ExportRequest>(&arena);
    benchmark::DoNotOptimize(request->ParseFromString(bytes));
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_ProtobufParseOnArena);

void BM_ProtobufParseAndSerialize(benchmark::State& state) {
  std::string bytes = RequestBytes();
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* request = google::protobuf::Arena::CreateMessage<otlp::ExportRequest>(&arena);
    request->ParseFromString(bytes);
    benchmark::DoNotOptimize(request->SerializeAsString());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_ProtobufParseAndSerialize);

void BM_JsonParse(benchmark::State& state) {
  otlp::ExportRequest request;
  request.ParseFromString(RequestBytes());
  std::string json;
  otlp::AppendRequestJson(request, &json);
  for (auto _ : state) {
    google::protobuf::Arena arena;
    auto* out = google::protobuf::Arena::CreateMessage<otlp::ExportRequest>(&arena);
    benchmark::DoNotOptimize(otlp::ParseRequestJson(json, out));
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * json.size());
}
BENCHMARK(BM_JsonParse);

// Receive 82 requests, batch them and encode one 8200-span export request: the whole
// receive → batch → export path of TraceBatch, per span.
void BM_TraceBatchReceiveBatchEncode(benchmark::State& state) {
  std::string bytes = RequestBytes();
  for (auto _ : state) {
    pipeline::TraceBatch batch;
    for (int i = 0; i < 82; ++i) {
      std::string copy = bytes;  // stands for the received body
      batch.Append(*pipeline::TraceBatch::FromProtoBytes(std::move(copy)));
    }
    benchmark::DoNotOptimize(batch.ToProtoBytes());
  }
  state.SetItemsProcessed(state.iterations() * 82 * kSpans);
}
BENCHMARK(BM_TraceBatchReceiveBatchEncode);

void BM_GzipLevel1(benchmark::State& state) {
  std::string bytes = RequestBytes();
  for (auto _ : state) benchmark::DoNotOptimize(net::Gzip(bytes, 1));
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_GzipLevel1);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
