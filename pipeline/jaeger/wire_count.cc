#include "pipeline/jaeger/wire_count.h"

#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace weir::jaeger {

bool CountPostSpans(absl::string_view bytes, size_t* spans) {
  using google::protobuf::internal::WireFormatLite;
  constexpr uint32_t kLengthDelimitedField1 = (1 << 3) | 2;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  size_t count = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (tag != kLengthDelimitedField1) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return false;
    auto limit = in.PushLimit(static_cast<int>(length));
    while (uint32_t inner = in.ReadTag()) {
      if (inner == kLengthDelimitedField1) ++count;
      if (!WireFormatLite::SkipField(&in, inner)) return false;
    }
    if (!in.ConsumedEntireMessage()) return false;
    in.PopLimit(limit);
  }
  if (!in.ConsumedEntireMessage()) return false;
  *spans = count;
  return true;
}

}  // namespace weir::jaeger
