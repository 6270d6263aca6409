// Jaeger's Thrift batches read in place: one pass over an agent datagram (compact or binary
// protocol) or an HTTP body (a binary-protocol Batch) that records where each field is, without
// building the generated Thrift structs or copying a string. thrift_to_otlp.h writes OTLP from
// these views; the receiver uses the two together. thrift_codec.h (the generated structs, through
// Apache Thrift's library) stays the reference that tests compare this reader against.
//
// The reader follows the generated readers' rules: fields are found by id and type (a known id
// of another type is skipped, as an unknown id is), a field that appears twice keeps its last
// value, and a struct without one of its required fields is refused.
//
// Untrusted bytes: every length and list count is checked against the bytes left before it is
// used, nesting stops at Thrift's recursion limit (64), and the views a batch's lists claim are
// counted against the process memory budget before they are made. Errors are InvalidArgument
// "malformed Thrift: <what>, at byte <offset>", or the retryable OverBudget.
//
// Threading: a Batch belongs to one thread; the functions are stateless.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pipeline/jaeger/thrift_codec.h"

namespace weir::jaeger::thrift_view {

// Elements [begin, end) of one of Batch's vectors.
struct Range {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t size() const { return end - begin; }
};

// Thrift's TagType numbers (jaeger.thrift).
enum TagType : int32_t { kString = 0, kDouble = 1, kBool = 2, kLong = 3, kBinary = 4 };

struct Tag {
  absl::string_view key;
  int32_t type = kString;   // vType: a TagType, or any other number a client sent
  absl::string_view str;    // vStr
  absl::string_view bytes;  // vBinary
  double number = 0;        // vDouble
  int64_t integer = 0;      // vLong
  bool boolean = false;     // vBool
};

struct Log {
  int64_t timestamp = 0;  // µs since the epoch
  Range fields;           // in Batch::tags
};

struct SpanRef {
  int32_t type = 0;  // 0 CHILD_OF, 1 FOLLOWS_FROM (others are read as CHILD_OF)
  int64_t trace_id_low = 0;
  int64_t trace_id_high = 0;
  int64_t span_id = 0;
};

struct Span {
  int64_t trace_id_low = 0;
  int64_t trace_id_high = 0;
  int64_t span_id = 0;
  int64_t parent_span_id = 0;
  absl::string_view operation_name;
  Range references;  // in Batch::references
  int32_t flags = 0;
  int64_t start_time = 0;  // µs since the epoch
  int64_t duration = 0;    // µs
  Range tags;              // in Batch::tags
  Range logs;              // in Batch::logs
};

// One batch; the string views point into the bytes it was read from, which must outlive it.
struct Batch {
  absl::string_view service_name;
  Range process_tags;  // in tags
  std::vector<Span> spans;
  std::vector<Tag> tags;  // the elements of every tag list: process, span and log fields
  std::vector<Log> logs;
  std::vector<SpanRef> references;
};

// Reads an agent datagram: a call or one-way call of "emitBatch" whose field 1 is the batch.
// InvalidArgument for anything else; Unimplemented for emitZipkinBatch, named as such.
absl::Status ReadAgentDatagram(absl::string_view datagram, ThriftProtocol protocol, Batch* out);

// Reads a binary-protocol Batch struct (the body of POST /api/traces).
absl::Status ReadBatch(absl::string_view bytes, Batch* out);

}  // namespace weir::jaeger::thrift_view
