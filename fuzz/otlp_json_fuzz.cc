// Fuzz target for the OTLP/JSON decoder: never crashes, and whatever it accepts survives an
// encode/decode round trip unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "pipeline/otlp/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string json(reinterpret_cast<const char*>(data), size);
  weir::otlp::ExportRequest request;
  if (!weir::otlp::ParseRequestJson(json, &request).ok()) return 0;
  std::string encoded;
  weir::otlp::AppendRequestJson(request, &encoded);
  weir::otlp::ExportRequest again;
  if (!weir::otlp::ParseRequestJson(encoded, &again).ok()) std::abort();
  // NaN attribute values never compare equal; compare the encodings instead.
  std::string reencoded;
  weir::otlp::AppendRequestJson(again, &reencoded);
  if (reencoded != encoded) std::abort();
  return 0;
}
