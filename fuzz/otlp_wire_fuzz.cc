// Differential fuzz target: the wire scan must accept exactly what protobuf's parser accepts,
// and find the same spans.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pipeline/otlp/types.h"
#include "pipeline/otlp/wire_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  weir::otlp::ExportRequest parsed;
  bool proto_ok = parsed.ParseFromString(bytes);
  weir::otlp::wire::Index index;
  bool scan_ok = weir::otlp::wire::ScanRequest(bytes, &index).ok();
  if (proto_ok != scan_ok) std::abort();
  if (!proto_ok) return 0;
  size_t spans = 0;
  for (const auto& rs : parsed.resource_spans())
    for (const auto& ss : rs.scope_spans()) spans += ss.spans_size();
  if (spans != index.spans.size()) std::abort();
  for (const auto& e : index.spans) {
    if (e.bytes.offset + e.bytes.size > bytes.size()) std::abort();
  }
  return 0;
}
