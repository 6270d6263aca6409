// Handing one validated request to the next consumer, shared by every receiver and protocol:
// admission against the memory budget, the span limit of a request, then delivery (spans with
// invalid ids are removed first and reported through partial_success, the rest go
// downstream, and the receiver's accepted / refused counters are updated).
//
// Threading: DeliverRequest is called concurrently from the gRPC threads and the I/O pool; it
// holds no state of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pipeline/consumer.h"
#include "pipeline/otlp/types.h"
#include "pipeline/telemetry/metrics.h"
#include "pipeline/trace_batch.h"

namespace weir::receivers::helper {

// How long clients are told to wait before retrying a refused export.
inline constexpr absl::Duration kRetryAfter = absl::Seconds(1);

// The result of handing one decoded request to the pipeline.
struct Outcome {
  absl::Status status;  // OK, or the pipeline's refusal
  size_t rejected = 0;  // spans dropped as invalid (partial success)
  std::string reject_reason;
};

// Admission before a request of `bytes` is decoded: OK while the process memory budget has
// room for it, else the retryable OverBudget refusal (counted as a refused request, logged
// rate-limited under `component`, e.g. "receiver/otlp"). Receivers answer it as any
// ResourceExhausted: RESOURCE_EXHAUSTED + RetryInfo, 429 + Retry-After.
absl::Status AdmitRequest(size_t bytes, telemetry::ReceiverMetrics& metrics,
                          absl::string_view component);

// Most spans one request may hold. A span can be two bytes on the wire and costs about 90 in
// the index, so without a cap a small (or well-compressed) request of empty spans costs
// gigabytes before anything looks at it.
inline constexpr size_t kMaxSpansPerRequest = size_t{1} << 20;

// The span limit to scan the next request with: kMaxSpansPerRequest, or fewer when the memory
// budget has no room for that many spans' index.
size_t SpanLimit();

// What to answer when scanning with `limit` failed with `status`: a request over the fixed
// limit is refused for good (InvalidArgument naming the limit); one over what the budget has
// room for now is worth retrying (ResourceExhausted); anything else, and a decoder's own
// OverBudget, as is.
absl::Status ScanRefusal(const absl::Status& status, size_t limit, absl::string_view component);

// Stamps `batch` with the context's receive time, removes its invalid spans and hands the rest
// to `next` with `context`, counting both in `metrics`. A batch left empty is not handed on.
Outcome DeliverRequest(const pipeline::RequestContext& context, pipeline::TraceBatch batch,
                       pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics);

// Delivery of a request in another model (Jaeger, Zipkin) of `spans` spans: refused when over
// SpanLimit() (as ScanRefusal says); else `translate` fills an OTLP request (on an arena, freed
// at once), which is encoded and delivered with DeliverRequest. A request that cannot be
// translated or encoded (invalid UTF-8) is refused whole with InvalidArgument. Refusals count
// the spans as refused.
Outcome DeliverTranslated(const pipeline::RequestContext& context, size_t spans,
                          absl::FunctionRef<absl::Status(weir::otlp::ExportRequest*)> translate,
                          pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics,
                          absl::string_view component);

// The same for a translation that writes the request's protobuf encoding itself (`encode`
// appends it to the string it is given), which TraceBatch then validates and indexes.
Outcome DeliverEncoded(const pipeline::RequestContext& context, size_t spans,
                       absl::FunctionRef<absl::Status(std::string*)> encode,
                       pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics,
                       absl::string_view component);

// The ExportTraceServiceResponse for an accepted request: partial_success set when spans were
// rejected.
weir::otlp::ExportResponse MakeExportResponse(const Outcome& outcome);

}  // namespace weir::receivers::helper
