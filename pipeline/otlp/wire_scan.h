// OTLP wire scanning: validates a protobuf-encoded ExportTraceServiceRequest without decoding
// it into objects, and records where each resource, scope and span lies plus the few span
// fields the pipeline routes on (ids, name, times, status, kind, flags, trace state) and the
// header bytes of each resource and scope, so batches can be partitioned and spliced without a
// decode. It allocates nothing per span beyond the index vectors, so it is far cheaper than a
// full parse.
//
// What the scan accepts is forwarded byte for byte, so it accepts only bytes that every
// conformant OTLP decoder (protobuf C++ with the generated classes, protobufjs, Go, ...) reads
// as exactly the spans the index describes. That is a subset of what protobuf's parser accepts:
//   - well-formed tags, varints, lengths and groups at every depth, and at most kMaxDepth
//     nested messages (groups count), as protobuf requires;
//   - fields OTLP does not define (newer or vendor fields) are accepted and forwarded as they
//     are, as every decoder skips them;
//   - refused: a field OTLP defines arriving with another wire type. protobuf C++ keeps it as
//     an unknown field, protobufjs reads it with the declared type and fails or misreads. OTLP
//     has no repeated scalar fields, so no packed/unpacked choice arises;
//   - refused: a singular message field (ResourceSpans.resource, ScopeSpans.scope, Span.status,
//     KeyValue.value, AnyValue.array_value / kvlist_value) occurring more than once. protobuf
//     merges the occurrences, protobufjs and others keep the last; no index matches both;
//   - refused: two different members of AnyValue's oneof (decoders pick different ones);
//   - accepted: a singular scalar, string or bytes field occurring more than once (e.g. two
//     trace_id fields). Every decoder keeps the last occurrence and so does the index (and the
//     attribute readers in wire_attributes.h);
//   - refused: invalid UTF-8 in a string field, as protobuf's proto3 parser refuses it.
// Refusals are InvalidArgument with the field's path, e.g. "request body is not a valid OTLP
// ExportTraceServiceRequest: resource_spans[0].scope_spans[0].spans[2].name: wire type varint
// where OTLP defines length-delimited", and carry the number of spans the request held
// (RefusedSpans) so receivers count them as refused. Refusing beats rewriting: the sender
// learns its encoder is broken and no other client's spans travel in a batch a stricter
// decoder downstream would reject.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace weir::otlp::wire {

// protobuf's default recursion limit: how deep a message may sit below the request (depth 0).
// The one nesting limit of weir: the scan and the OTLP/JSON decoder (AnyValue arrays and
// kvlists) both refuse deeper input with NestingLimitError(), so whatever JSON accepts
// encodes to bytes the scan and every protobuf decoder accept.
inline constexpr int kMaxDepth = 100;

// The error message for input nested deeper than kMaxDepth.
std::string NestingLimitError();

// Byte range [offset, offset + size) within the scanned buffer.
struct Range {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// What the index knows of one span. Every Range is relative to the scanned buffer.
struct SpanEntry {
  Range bytes;            // the Span message body (without its tag and length)
  uint32_t field_offset;  // where the span's tag starts: the field is [field_offset, bytes end)
  uint32_t scope = 0;     // index of its ScopeEntry
  Range trace_id;         // field values; size 0 when absent (the last occurrence wins)
  Range span_id;
  Range parent_span_id;
  Range name;
  Range trace_state;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  uint32_t status_code = 0;
  uint32_t kind = 0;   // Span.kind as the enum's number
  uint32_t flags = 0;  // Span.flags (W3C trace flags in the low 8 bits)

  uint32_t field_size() const { return bytes.offset + bytes.size - field_offset; }
};

// The bytes of a ResourceSpans or ScopeSpans body that are not its children (the resource or
// scope, schema_url, unknown fields), as at most two ranges; more_headers says there are more
// and they must be found by walking the body (rare: fields interleaved with children).
struct Headers {
  Range ranges[2];
  uint8_t count = 0;
  bool more = false;

  // Records a header field spanning [offset, offset + size), merging it with the last range
  // when adjacent.
  void Add(uint32_t offset, uint32_t size) {
    if (count > 0 && ranges[count - 1].offset + ranges[count - 1].size == offset) {
      ranges[count - 1].size += size;
    } else if (count < 2) {
      ranges[count++] = Range{offset, size};
    } else {
      more = true;
    }
  }
};

struct ScopeEntry {
  Range bytes;  // the ScopeSpans message body
  uint32_t field_offset = 0;
  uint32_t resource = 0;  // index of its ResourceEntry
  uint32_t first_span = 0;
  uint32_t span_count = 0;
  Headers headers;

  uint32_t field_size() const { return bytes.offset + bytes.size - field_offset; }
};

struct ResourceEntry {
  Range bytes;  // the ResourceSpans message body
  uint32_t field_offset = 0;
  uint32_t first_scope = 0;
  uint32_t scope_count = 0;
  Headers headers;

  uint32_t field_size() const { return bytes.offset + bytes.size - field_offset; }
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
  // Heap bytes the index holds.
  size_t MemoryBytes() const {
    return resources.capacity() * sizeof(ResourceEntry) + scopes.capacity() * sizeof(ScopeEntry) +
           spans.capacity() * sizeof(SpanEntry);
  }
};

// Validates `bytes` as an ExportTraceServiceRequest and fills *index (cleared first). Returns
// InvalidArgument naming the problem and its field path when protobuf would refuse the bytes
// or decoders could read them differently (see above), carrying RefusedSpans, and
// ResourceExhausted once the request holds more than `max_spans` spans (the scan stops there,
// so a small request of many empty spans cannot grow a huge index).
absl::Status ScanRequest(absl::string_view bytes, Index* index, uint64_t max_spans = UINT64_MAX);

// Validates the Span message body at `body` within `buffer` and indexes it into *entry (ranges
// relative to `buffer`; field_offset and scope are left to the caller). InvalidArgument as
// ScanRequest. For spans re-encoded by an edit.
absl::Status ScanSpan(absl::string_view buffer, Range body, SpanEntry* entry);

// Validates the header bytes of a ResourceSpans or ScopeSpans (the message's fields without its
// children), as they would be at their depth in a request. InvalidArgument as ScanRequest.
absl::Status ValidateResourceSpansHeader(absl::string_view bytes);
absl::Status ValidateScopeSpansHeader(absl::string_view bytes);

// The number of spans a request refused with `status` held, as far as its bytes could be
// walked: ScanRequest's InvalidArgument and ParseRequestJson's errors carry it; 0 for any other
// status.
uint64_t RefusedSpans(const absl::Status& status);
// Returns `status` carrying `spans` for RefusedSpans.
absl::Status WithRefusedSpans(absl::Status status, uint64_t spans);

// Only counts the spans (still validating everything). For sinks and load generators.
absl::Status CountSpans(absl::string_view bytes, uint64_t* spans);

// Calls fn(field, wire_type, value, field_range) for every field of the message body `body`, in
// order: `value` is the field's value bytes (for length-delimited fields without the length),
// `field_range` the whole field with its tag. When fn returns bool, false stops the walk.
// Returns false on malformed bytes (never on bytes that passed ScanRequest). Groups are skipped
// whole. For reading fields the index does not record.
template <typename Fn>
bool ForEachField(absl::string_view body, Fn&& fn);

// Reads a varint at *p (advancing it); false when truncated or longer than ten bytes.
bool ReadVarint(const char*& p, const char* end, uint64_t* out);

// The number of bytes the varint encoding of `v` takes.
inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// AppendVarint for values of two bytes or more.
void AppendVarintSlow(uint64_t v, std::string* out);

// Appends the varint encoding of `v` to *out.
inline void AppendVarint(uint64_t v, std::string* out) {
  if (v < 0x80) {
    out->push_back(static_cast<char>(v));
    return;
  }
  AppendVarintSlow(v, out);
}

// ---- implementation of the template ----

namespace internal {
// Protobuf's wire types.
enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// NextField for every case: tags and lengths of any size, groups.
bool NextFieldSlow(const char*& p, const char* end, uint32_t* field, uint32_t* wire_type,
                   absl::string_view* value);

// Reads one field's tag and skips its value; false on malformed bytes. *value is the value
// (for length-delimited fields the payload without the length). Inline for the common fields
// of OTLP: a one-byte tag, then a one-byte length or a one-byte varint.
inline bool NextField(const char*& p, const char* end, uint32_t* field, uint32_t* wire_type,
                      absl::string_view* value) {
  if (end - p >= 2) {
    const uint8_t tag = static_cast<uint8_t>(p[0]);
    const uint8_t next = static_cast<uint8_t>(p[1]);
    if (tag >= 8 && tag < 0x80 && next < 0x80) {  // field ≥ 1, both one byte
      if ((tag & 7) == kLengthDelimited && next <= end - p - 2) {
        *field = tag >> 3;
        *wire_type = kLengthDelimited;
        *value = absl::string_view(p + 2, next);
        p += 2 + next;
        return true;
      }
      if ((tag & 7) == kVarint) {
        *field = tag >> 3;
        *wire_type = kVarint;
        *value = absl::string_view(p + 1, 1);
        p += 2;
        return true;
      }
    }
  }
  return NextFieldSlow(p, end, field, wire_type, value);
}
}  // namespace internal

template <typename Fn>
bool ForEachField(absl::string_view body, Fn&& fn) {
  const char* p = body.data();
  const char* end = p + body.size();
  while (p < end) {
    const char* start = p;
    uint32_t field, wire_type;
    absl::string_view value;
    if (!internal::NextField(p, end, &field, &wire_type, &value)) return false;
    absl::string_view all(start, static_cast<size_t>(p - start));
    if constexpr (std::is_same_v<decltype(fn(field, wire_type, value, all)), bool>) {
      if (!fn(field, wire_type, value, all)) return true;
    } else {
      fn(field, wire_type, value, all);
    }
  }
  return true;
}

}  // namespace weir::otlp::wire
