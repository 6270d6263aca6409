#include "receivers/jaeger/delivery.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/jaeger/thrift_to_otlp.h"
#include "pipeline/jaeger/to_otlp.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"

namespace weir::receivers::jaeger {

helper::Outcome DeliverThriftBatch(const pipeline::RequestContext& context,
                                   const weir::jaeger::thrift_view::Batch& batch,
                                   pipeline::TracesConsumer& next,
                                   telemetry::ReceiverMetrics& metrics) {
  return helper::DeliverEncoded(
      context, batch.spans.size(),
      [&](std::string* out) {
        weir::jaeger::AppendOtlpRequest(batch, out);
        return absl::OkStatus();
      },
      next, metrics, kComponent);
}

helper::Outcome DeliverBatch(const pipeline::RequestContext& context,
                             weir::jaeger::model::Batch&& batch, pipeline::TracesConsumer& next,
                             telemetry::ReceiverMetrics& metrics) {
  return helper::DeliverTranslated(
      context, static_cast<size_t>(batch.spans_size()),
      [&](weir::otlp::ExportRequest* request) {
        return weir::jaeger::BatchToResourceSpans(std::move(batch), request);
      },
      next, metrics, kComponent);
}

}  // namespace weir::receivers::jaeger
