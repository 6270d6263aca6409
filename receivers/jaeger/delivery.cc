#include "receivers/jaeger/delivery.h"

#include <utility>

#include "pipeline/jaeger/to_otlp.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"

namespace weir::receivers::jaeger {

helper::Outcome DeliverBatch(const pipeline::RequestContext& context,
                             weir::jaeger::model::Batch&& batch, pipeline::TracesConsumer& next,
                             telemetry::ReceiverMetrics& metrics) {
  const size_t spans = static_cast<size_t>(batch.spans_size());
  weir::otlp::ExportRequest request;
  absl::Status translated = weir::jaeger::BatchToResourceSpans(std::move(batch), &request);
  absl::StatusOr<pipeline::TraceBatch> encoded =
      translated.ok() ? pipeline::TraceBatch::EncodeRequest(request)
                      : absl::StatusOr<pipeline::TraceBatch>(translated);
  if (!encoded.ok()) {
    metrics.Refused(spans);
    helper::Outcome out;
    out.status = absl::InvalidArgumentError(encoded.status().message());
    return out;
  }
  return helper::DeliverRequest(context, *std::move(encoded), next, metrics);
}

}  // namespace weir::receivers::jaeger
