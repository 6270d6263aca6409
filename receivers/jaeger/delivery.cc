#include "receivers/jaeger/delivery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "pipeline/jaeger/to_otlp.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"

namespace weir::receivers::jaeger {

google::protobuf::ArenaOptions ModelArenaOptions(size_t wire_bytes) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = std::max<size_t>(4096, wire_bytes * 2);
  options.max_block_size = std::max<size_t>(options.start_block_size, 1 << 20);
  return options;
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
