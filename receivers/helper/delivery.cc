#include "receivers/helper/delivery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "pipeline/memory_budget.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/telemetry/logger.h"
#include "receivers/helper/span_checks.h"

namespace weir::receivers::helper {

absl::Status AdmitRequest(size_t bytes, telemetry::ReceiverMetrics& metrics,
                          absl::string_view component) {
  const pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  if (budget.HasRoom(bytes)) return absl::OkStatus();
  metrics.RefusedRequest();
  static log::RateLimited over_log;
  over_log.Warn(component, "memory limit reached (%d of %d bytes held); refusing requests",
                budget.used(), budget.limit());
  return pipeline::OverBudget(component);
}

size_t SpanLimit() {
  const size_t room = pipeline::MemoryBudget::Process().room();
  return std::min(kMaxSpansPerRequest, room / sizeof(weir::otlp::wire::SpanEntry));
}

absl::Status ScanRefusal(const absl::Status& status, size_t limit, absl::string_view component) {
  if (!absl::IsResourceExhausted(status) || pipeline::IsOverBudget(status)) return status;
  if (limit >= kMaxSpansPerRequest) {
    return absl::InvalidArgumentError(absl::StrCat(status.message(), ": weir accepts at most ",
                                                   kMaxSpansPerRequest,
                                                   " spans per request; send smaller requests"));
  }
  return pipeline::OverBudget(component);
}

Outcome DeliverRequest(const pipeline::RequestContext& context, pipeline::TraceBatch batch,
                       pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics) {
  Outcome out;
  batch.set_received_at_ns(context.received_at_ns);
  out.rejected = RemoveInvalidSpans(batch, &out.reject_reason);
  if (out.rejected > 0) metrics.Refused(out.rejected);
  size_t spans = batch.span_count();
  if (spans == 0) return out;
  out.status = next.ConsumeTraces(context, std::move(batch));
  if (out.status.ok())
    metrics.Accepted(spans);
  else
    metrics.Refused(spans);
  return out;
}

weir::otlp::ExportResponse MakeExportResponse(const Outcome& outcome) {
  weir::otlp::ExportResponse response;
  if (outcome.rejected > 0) {
    response.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(outcome.rejected));
    response.mutable_partial_success()->set_error_message(outcome.reject_reason);
  }
  return response;
}

Outcome DeliverTranslated(const pipeline::RequestContext& context, size_t spans,
                          absl::FunctionRef<absl::Status(weir::otlp::ExportRequest*)> translate,
                          pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics,
                          absl::string_view component) {
  Outcome out;
  if (const size_t limit = SpanLimit(); spans > limit) {
    metrics.Refused(spans);
    out.status = ScanRefusal(
        absl::ResourceExhaustedError(absl::StrCat("the request holds ", spans, " spans")), limit,
        component);
    return out;
  }
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  auto* request = google::protobuf::Arena::CreateMessage<weir::otlp::ExportRequest>(&arena);
  absl::Status translated = translate(request);
  absl::StatusOr<pipeline::TraceBatch> encoded =
      translated.ok() ? pipeline::TraceBatch::EncodeRequest(*request)
                      : absl::StatusOr<pipeline::TraceBatch>(translated);
  if (!encoded.ok()) {
    metrics.Refused(spans);
    out.status = absl::InvalidArgumentError(encoded.status().message());
    return out;
  }
  return DeliverRequest(context, *std::move(encoded), next, metrics);
}

Outcome DeliverEncoded(const pipeline::RequestContext& context, size_t spans,
                       absl::FunctionRef<absl::Status(std::string*)> encode,
                       pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics,
                       absl::string_view component) {
  Outcome out;
  if (const size_t limit = SpanLimit(); spans > limit) {
    metrics.Refused(spans);
    out.status = ScanRefusal(
        absl::ResourceExhaustedError(absl::StrCat("the request holds ", spans, " spans")), limit,
        component);
    return out;
  }
  std::string bytes;
  absl::Status encoded = encode(&bytes);
  absl::StatusOr<pipeline::TraceBatch> batch =
      encoded.ok() ? pipeline::TraceBatch::FromProtoBytes(std::move(bytes))
                   : absl::StatusOr<pipeline::TraceBatch>(encoded);
  if (!batch.ok()) {
    metrics.Refused(spans);
    out.status = absl::InvalidArgumentError(batch.status().message());
    return out;
  }
  return DeliverRequest(context, *std::move(batch), next, metrics);
}

}  // namespace weir::receivers::helper
