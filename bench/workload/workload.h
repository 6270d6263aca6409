// WorkloadGenerator: builds the OTLP export requests weir-loadgen sends and the
// micro-benchmarks measure.
//
// Two shapes:
//   - realistic: spans of an HTTP service. Each trace has a SERVER root and children (CLIENT,
//     INTERNAL, SERVER) whose parents are earlier spans of the same trace; names like
//     "GET /api/v1/orders/{id}"; typed attributes (http.method, http.route, http.status_code
//     int, http.url, net.peer.name, net.peer.port int, user_agent.original, sampled bool,
//     duration.ratio double) then string tags of --attribute-size bytes up to --attributes;
//     one event with an attribute; status OK, or ERROR with a message for ~5% of spans. The
//     resource names the service (it varies between requests), host, pod, namespace and
//     telemetry SDK, up to --resource-attributes. About 500 bytes per span with defaults.
//   - small: the otelcol testbed's Trace10kSPS spans: CLIENT spans of ~150 bytes with two int
//     attributes (load_generator.span_seq_num / trace_seq_num), no events, and a resource with
//     only service.name.
//
// Trace and span ids look random but are derived bijectively from (seed, request number,
// position), so two requests with different numbers never share an id. Times are near now.
//
// Threading: thread-compatible; Generate is const and may run on several threads at once.
#pragma once

#include <cstdint>

#include "pipeline/otlp/types.h"

namespace weir::loadgen {

enum class Shape { kRealistic, kSmall };

struct WorkloadOptions {
  Shape shape = Shape::kRealistic;
  int spans_per_trace = 10;
  int attributes = 10;
  int attribute_size = 16;
  int resource_attributes = 9;
  // realistic: the share of spans (0-100) whose first string tag carries personal data (an
  // e-mail address, a card number or a bearer token, in turn), for redaction benchmarks.
  int pii_percent = 0;
  uint64_t seed = 1;
};

class WorkloadGenerator {
 public:
  explicit WorkloadGenerator(WorkloadOptions options) : options_(options) {}

  // Fills *out (cleared first) with request number `request_number` holding `spans` spans in
  // one resource and one scope, split into traces of options.spans_per_trace spans (the last
  // one shorter when `spans` is not a multiple). REQUIRES: spans > 0.
  void Generate(uint64_t request_number, int spans, otlp::ExportRequest* out) const;

 private:
  void GenerateRealistic(uint64_t request_number, int spans, otlp::ExportRequest* out) const;
  void GenerateSmall(uint64_t request_number, int spans, otlp::ExportRequest* out) const;

  WorkloadOptions options_;
};

}  // namespace weir::loadgen
