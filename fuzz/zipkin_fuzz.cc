// Fuzz target for the Zipkin decoders (v2 JSON, v2 protobuf, v1 JSON, v1 Thrift) and the
// translation that follows them: never crashes or allocates what the input cannot hold, a
// decoded v2 JSON body re-encodes to JSON that decodes to the same spans, and every decoded
// span reaches the OTLP batch.
//
// The first byte picks the decoder: 0 v2 JSON, 1 v2 protobuf, 2 v1 JSON, else v1 Thrift.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pipeline/trace_batch.h"
#include "pipeline/zipkin/json_v2.h"
#include "pipeline/zipkin/to_otlp.h"
#include "pipeline/zipkin/v1.h"
#include "pipeline/zipkin/wire_count.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr size_t kMaxSpans = 1 << 16;
  weir::zipkin::model::ListOfSpans spans;
  absl::Status decoded;
  switch (data[0]) {
    case 0:
      decoded = weir::zipkin::DecodeJsonV2(bytes, kMaxSpans, &spans);
      if (decoded.ok()) {
        const std::string json = weir::zipkin::EncodeJsonV2(spans);
        weir::zipkin::model::ListOfSpans again;
        if (!weir::zipkin::DecodeJsonV2(json, kMaxSpans, &again).ok() ||
            weir::zipkin::EncodeJsonV2(again) != json) {
          std::abort();
        }
      }
      break;
    case 1: {
      const int64_t count = weir::zipkin::CountProtoSpans(bytes);
      if (count < 0 || count > static_cast<int64_t>(kMaxSpans)) return 0;
      if (!spans.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return 0;
      if (spans.spans_size() != count) std::abort();
      break;
    }
    case 2:
      decoded = weir::zipkin::DecodeJsonV1(bytes, kMaxSpans, &spans);
      break;
    default:
      decoded = weir::zipkin::DecodeThriftV1(bytes, kMaxSpans, &spans);
      break;
  }
  if (!decoded.ok()) return 0;
  const int n = spans.spans_size();
  weir::otlp::ExportRequest request;
  if (!weir::zipkin::SpansToResourceSpans(std::move(spans), {.parse_string_tags = true}, &request)
           .ok()) {
    return 0;
  }
  absl::StatusOr<weir::pipeline::TraceBatch> encoded =
      weir::pipeline::TraceBatch::EncodeRequest(request);
  if (encoded.ok() && encoded->span_count() != static_cast<size_t>(n)) std::abort();
  return 0;
}
