// Fuzz target for the Jaeger api_v2 path of the gRPC receiver: a PostSpansRequest as protobuf
// parses it, translated to OTLP and back to Jaeger. Never crashes; whatever translates keeps
// its span count through the OTLP encoding and the way back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pipeline/jaeger/from_otlp.h"
#include "pipeline/jaeger/to_otlp.h"
#include "pipeline/trace_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  weir::jaeger::model::PostSpansRequest post;
  if (!post.ParseFromArray(data, static_cast<int>(size))) return 0;
  const size_t spans = static_cast<size_t>(post.batch().spans_size());
  weir::otlp::ExportRequest request;
  if (!weir::jaeger::BatchToResourceSpans(std::move(*post.mutable_batch()), &request).ok())
    return 0;
  absl::StatusOr<weir::pipeline::TraceBatch> encoded =
      weir::pipeline::TraceBatch::EncodeRequest(request);
  if (!encoded.ok()) return 0;
  if (encoded->span_count() != spans) std::abort();
  size_t back = 0;
  weir::jaeger::model::Batch batch;
  for (const auto& rs : request.resource_spans()) {
    weir::jaeger::ResourceSpansToBatch(rs, &batch);
    back += static_cast<size_t>(batch.spans_size());
  }
  if (back != spans) std::abort();
  return 0;
}
