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
  const size_t spans = static_cast<size_t>(batch.spans_size());
  if (const size_t limit = helper::SpanLimit(); spans > limit) {
    metrics.Refused(spans);
    helper::Outcome out;
    out.status = helper::ScanRefusal(
        absl::ResourceExhaustedError(absl::StrCat("the batch holds ", spans, " spans")), limit,
        kComponent);
    return out;
  }
  // The OTLP request lives on an arena: it is encoded once and freed at once.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  auto* request = google::protobuf::Arena::CreateMessage<weir::otlp::ExportRequest>(&arena);
  absl::Status translated = weir::jaeger::BatchToResourceSpans(std::move(batch), request);
  absl::StatusOr<pipeline::TraceBatch> encoded =
      translated.ok() ? pipeline::TraceBatch::EncodeRequest(*request)
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
