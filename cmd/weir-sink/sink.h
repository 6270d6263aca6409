// The weir-sink endpoint: an OTLP trace destination for benchmarks that acknowledges every
// well-formed export, counts spans, requests and bytes, and discards the data.
//
//   - SinkCounters: the running totals, read (and optionally reset) by GET /stats and at exit.
//   - SinkGrpcService: TraceService/Export on raw bytes; spans are counted with the wire
//     scanner (otlp::wire::CountSpans), never decoded into objects.
//   - SinkJaegerService: Jaeger's CollectorService/PostSpans, counted the same way.
//   - HandleSinkHttp: POST /v1/traces (protobuf or JSON, optionally gzip), POST /api/v2/spans
//     (Zipkin v2, JSON or protobuf) and GET /stats.
//
// Threading: SinkCounters is lock-free and safe from any thread. The gRPC service runs on
// gRPC's threads and HandleSinkHttp on I/O threads, concurrently; both only touch counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "jaeger/api_v2/collector.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "pipeline/net/http_server.h"

namespace weir::sink {

// The path OTLP/HTTP exporters post traces to.
inline constexpr char kTracesPath[] = "/v1/traces";
// Zipkin v2 spans (JSON or protobuf), counted and answered 202 as a Zipkin server would.
inline constexpr char kZipkinPath[] = "/api/v2/spans";

// Largest accepted request body after gzip decompression.
inline constexpr size_t kMaxInflatedBytes = 256u << 20;

struct SinkStats {
  uint64_t spans = 0;     // spans in well-formed requests
  uint64_t requests = 0;  // export requests received, well-formed or not
  uint64_t bytes = 0;     // request bodies as received (HTTP: before gunzip; gRPC: the message)
  uint64_t errors = 0;    // requests refused as malformed or unsupported
};

// {"spans":N,"requests":M,"bytes":B,"errors":E}
std::string StatsToJson(const SinkStats& stats);

class SinkCounters {
 public:
  // Counts one export request of `bytes` body bytes holding `spans` spans.
  void Accepted(uint64_t spans, uint64_t bytes);
  // Counts one refused export request of `bytes` body bytes.
  void Refused(uint64_t bytes);

  // Returns the totals; with `reset`, each counter restarts from zero as it is read (a request
  // counted concurrently lands either in this reading or in the next, never in neither).
  SinkStats Read(bool reset);

  // Makes the sink a slow backend: Pace holds each request so that no more than `rate` spans
  // per second are acknowledged overall. 0 (the default) never waits.
  void set_max_spans_per_second(double rate) { max_rate_ = rate; }
  // Blocks the calling handler until `spans` more fit under the rate.
  void Pace(uint64_t spans);

 private:
  double max_rate_ = 0;
  std::mutex pace_mu_;
  absl::Time next_free_ = absl::InfinitePast();  // guarded by pace_mu_
  std::atomic<uint64_t> spans_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> errors_{0};
};

// TraceService/Export over raw bytes: OK with an empty ExportTraceServiceResponse for a
// well-formed request, INVALID_ARGUMENT (counted as an error) for a malformed one.
class SinkGrpcService final
    : public opentelemetry::proto::collector::trace::v1::TraceService::WithRawCallbackMethod_Export<
          opentelemetry::proto::collector::trace::v1::TraceService::Service> {
 public:
  explicit SinkGrpcService(SinkCounters& counters) : counters_(counters) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

 private:
  SinkCounters& counters_;
};

// jaeger.api_v2.CollectorService/PostSpans over raw bytes, for the jaeger exporter's benchmark:
// spans are counted on the wire (PostSpansRequest.batch.spans), never decoded. OK with an empty
// PostSpansResponse; INVALID_ARGUMENT (counted as an error) for a malformed request.
class SinkJaegerService final
    : public ::jaeger::api_v2::CollectorService::WithRawCallbackMethod_PostSpans<
          ::jaeger::api_v2::CollectorService::CallbackService> {
 public:
  explicit SinkJaegerService(SinkCounters& counters) : counters_(counters) {}

  grpc::ServerUnaryReactor* PostSpans(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;

 private:
  SinkCounters& counters_;
};

// Answers one HTTP request:
//   POST /v1/traces  application/x-protobuf or application/json, Content-Encoding gzip/deflate
//                    or none: 200 with an empty response in the request's encoding; 400 for a
//                    malformed body, 415 for another content type (both counted as errors).
//   GET /stats       200 {"spans":N,"requests":M,"bytes":B,"errors":E}; with ?reset=1 the
//                    counters restart from zero after the reading.
//   anything else    404 / 405.
net::HttpResponse HandleSinkHttp(net::HttpRequest& request, SinkCounters& counters);

}  // namespace weir::sink
