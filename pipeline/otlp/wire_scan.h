// OTLP wire scanning: validates a protobuf-encoded ExportTraceServiceRequest without decoding
// it into objects, and records where each resource, scope and span lies plus the few span
// fields the pipeline routes on (ids, times, status). It allocates nothing per span beyond the
// index vectors, so it is far cheaper than a full parse.
//
// The scan accepts exactly what protobuf's parser accepts for these messages: well-formed tags,
// varints, lengths and groups at every depth (unknown fields included), valid UTF-8 in every
// string field, a known field with an unexpected wire type treated as unknown, and at most
// kMaxDepth nested messages.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace weir::otlp::wire {

// protobuf's default recursion limit.
inline constexpr int kMaxDepth = 100;

// Byte range [offset, offset + size) within the scanned buffer.
struct Range {
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct SpanEntry {
  Range bytes;     // the Span message body (without its tag and length)
  Range trace_id;  // field values; size 0 when absent
  Range span_id;
  Range parent_span_id;
  Range name;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  uint32_t status_code = 0;
};

struct ScopeEntry {
  Range bytes;  // the ScopeSpans message body
  uint32_t first_span = 0;
  uint32_t span_count = 0;
};

struct ResourceEntry {
  Range bytes;  // the ResourceSpans message body
  uint32_t first_scope = 0;
  uint32_t scope_count = 0;
};

struct Index {
  std::vector<ResourceEntry> resources;
  std::vector<ScopeEntry> scopes;
  std::vector<SpanEntry> spans;

  void Clear() {
    resources.clear();
    scopes.clear();
    spans.clear();
  }
};

// Validates `bytes` as an ExportTraceServiceRequest and fills *index (cleared first). Returns
// InvalidArgument naming the problem when protobuf would refuse the bytes.
absl::Status ScanRequest(absl::string_view bytes, Index* index);

// Only counts the spans (still validating everything). For sinks and load generators.
absl::Status CountSpans(absl::string_view bytes, uint64_t* spans);

}  // namespace weir::otlp::wire
