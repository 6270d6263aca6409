// Differential fuzz target: the wire scan must accept exactly what protobuf's parser accepts
// less what decoders could read differently (FindAmbiguousField, driven by the generated
// descriptors), and find the same spans.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pipeline/otlp/types.h"
#include "pipeline/otlp/wire_scan.h"
#include "tests/testing/otlp_wire_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  weir::otlp::ExportRequest parsed;
  bool proto_ok = parsed.ParseFromString(bytes);
  bool unambiguous =
      proto_ok &&
      weir::testing::FindAmbiguousField(bytes, weir::otlp::ExportRequest::descriptor()).empty();
  weir::otlp::wire::Index index;
  bool scan_ok = weir::otlp::wire::ScanRequest(bytes, &index).ok();
  if (unambiguous != scan_ok) std::abort();
  if (!scan_ok) return 0;
  size_t spans = 0;
  for (const auto& rs : parsed.resource_spans())
    for (const auto& ss : rs.scope_spans()) spans += ss.spans_size();
  if (spans != index.spans.size()) std::abort();
  for (const auto& e : index.spans) {
    if (e.bytes.offset + e.bytes.size > bytes.size()) std::abort();
  }
  return 0;
}
