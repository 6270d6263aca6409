#include "pipeline/zipkin/wire_count.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace weir::zipkin {

int64_t CountProtoSpans(std::string_view wire) {
  using google::protobuf::internal::WireFormatLite;
  if (wire.size() > static_cast<size_t>(INT32_MAX)) return -1;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()),
                                            static_cast<int>(wire.size()));
  int64_t spans = 0;
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return in.CurrentPosition() == static_cast<int>(wire.size()) ? spans : -1;
    if (WireFormatLite::GetTagFieldNumber(tag) == 1 &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      ++spans;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return -1;
  }
}

}  // namespace weir::zipkin
