#include "pipeline/otlp/wire_scan.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "absl/base/attributes.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/otlp/utf8.h"

namespace weir::otlp::wire {
namespace {

using internal::WireType;
using enum internal::WireType;

// The OTLP message types the scanner knows. kNone marks scalar fields.
enum class Msg : uint8_t {
  kNone,
  kRequest,
  kResourceSpans,
  kResource,
  kScopeSpans,
  kScope,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList,
};

// What a known field holds.
enum class Kind : uint8_t { kUnknown, kScalar, kString, kBytes, kMessage };

struct FieldInfo {
  Kind kind = Kind::kUnknown;
  uint8_t wire_type = 0;
  Msg message = Msg::kNone;
};

constexpr FieldInfo Str() { return {Kind::kString, kLengthDelimited, Msg::kNone}; }
constexpr FieldInfo Bytes() { return {Kind::kBytes, kLengthDelimited, Msg::kNone}; }
constexpr FieldInfo Sub(Msg m) { return {Kind::kMessage, kLengthDelimited, m}; }
constexpr FieldInfo Scalar(uint8_t wt) { return {Kind::kScalar, wt, Msg::kNone}; }

// Always inlined: in the scan `msg` is a template argument, so the lookup folds into a jump
// table per message type.
ABSL_ATTRIBUTE_ALWAYS_INLINE constexpr FieldInfo LookupField(Msg msg, uint32_t field) {
  switch (msg) {
    case Msg::kRequest:
      if (field == 1) return Sub(Msg::kResourceSpans);
      break;
    case Msg::kResourceSpans:
      if (field == 1) return Sub(Msg::kResource);
      if (field == 2) return Sub(Msg::kScopeSpans);
      if (field == 3) return Str();
      break;
    case Msg::kResource:
      if (field == 1) return Sub(Msg::kKeyValue);
      if (field == 2) return Scalar(kVarint);
      break;
    case Msg::kScopeSpans:
      if (field == 1) return Sub(Msg::kScope);
      if (field == 2) return Sub(Msg::kSpan);
      if (field == 3) return Str();
      break;
    case Msg::kScope:
      if (field == 1 || field == 2) return Str();
      if (field == 3) return Sub(Msg::kKeyValue);
      if (field == 4) return Scalar(kVarint);
      break;
    case Msg::kSpan:
      switch (field) {
        case 1:
        case 2:
        case 4:
          return Bytes();
        case 3:
        case 5:
          return Str();
        case 6:
        case 10:
        case 12:
        case 14:
          return Scalar(kVarint);
        case 7:
        case 8:
          return Scalar(kFixed64);
        case 9:
          return Sub(Msg::kKeyValue);
        case 11:
          return Sub(Msg::kEvent);
        case 13:
          return Sub(Msg::kLink);
        case 15:
          return Sub(Msg::kStatus);
        case 16:
          return Scalar(kFixed32);
      }
      break;
    case Msg::kEvent:
      if (field == 1) return Scalar(kFixed64);
      if (field == 2) return Str();
      if (field == 3) return Sub(Msg::kKeyValue);
      if (field == 4) return Scalar(kVarint);
      break;
    case Msg::kLink:
      if (field == 1 || field == 2) return Bytes();
      if (field == 3) return Str();
      if (field == 4) return Sub(Msg::kKeyValue);
      if (field == 5) return Scalar(kVarint);
      if (field == 6) return Scalar(kFixed32);
      break;
    case Msg::kStatus:
      if (field == 2) return Str();
      if (field == 3) return Scalar(kVarint);
      break;
    case Msg::kKeyValue:
      if (field == 1) return Str();
      if (field == 2) return Sub(Msg::kAnyValue);
      break;
    case Msg::kAnyValue:
      switch (field) {
        case 1:
          return Str();
        case 2:
        case 3:
          return Scalar(kVarint);
        case 4:
          return Scalar(kFixed64);
        case 5:
          return Sub(Msg::kArrayValue);
        case 6:
          return Sub(Msg::kKeyValueList);
        case 7:
          return Bytes();
      }
      break;
    case Msg::kArrayValue:
      if (field == 1) return Sub(Msg::kAnyValue);
      break;
    case Msg::kKeyValueList:
      if (field == 1) return Sub(Msg::kKeyValue);
      break;
    case Msg::kNone:
      break;
  }
  return {};
}

// The field's name in the .proto, for error paths.
const char* FieldName(Msg msg, uint32_t field) {
  switch (msg) {
    case Msg::kRequest:
      return "resource_spans";
    case Msg::kResourceSpans:
      return field == 1 ? "resource" : field == 2 ? "scope_spans" : "schema_url";
    case Msg::kResource:
      return field == 1 ? "attributes" : "dropped_attributes_count";
    case Msg::kScopeSpans:
      return field == 1 ? "scope" : field == 2 ? "spans" : "schema_url";
    case Msg::kScope:
      return field == 1   ? "name"
             : field == 2 ? "version"
             : field == 3 ? "attributes"
                          : "dropped_attributes_count";
    case Msg::kSpan: {
      static constexpr const char* kNames[] = {"",
                                               "trace_id",
                                               "span_id",
                                               "trace_state",
                                               "parent_span_id",
                                               "name",
                                               "kind",
                                               "start_time_unix_nano",
                                               "end_time_unix_nano",
                                               "attributes",
                                               "dropped_attributes_count",
                                               "events",
                                               "dropped_events_count",
                                               "links",
                                               "dropped_links_count",
                                               "status",
                                               "flags"};
      return field < std::size(kNames) ? kNames[field] : "";
    }
    case Msg::kEvent:
      return field == 1   ? "time_unix_nano"
             : field == 2 ? "name"
             : field == 3 ? "attributes"
                          : "dropped_attributes_count";
    case Msg::kLink: {
      static constexpr const char* kNames[] = {
          "",     "trace_id", "span_id", "trace_state", "attributes", "dropped_attributes_count",
          "flags"};
      return field < std::size(kNames) ? kNames[field] : "";
    }
    case Msg::kStatus:
      return field == 2 ? "message" : "code";
    case Msg::kKeyValue:
      return field == 1 ? "key" : "value";
    case Msg::kAnyValue: {
      static constexpr const char* kNames[] = {"",
                                               "string_value",
                                               "bool_value",
                                               "int_value",
                                               "double_value",
                                               "array_value",
                                               "kvlist_value",
                                               "bytes_value"};
      return field < std::size(kNames) ? kNames[field] : "";
    }
    case Msg::kArrayValue:
    case Msg::kKeyValueList:
      return "values";
    case Msg::kNone:
      break;
  }
  return "";
}

// Whether a known field is repeated (its path segment carries an index). All OTLP's repeated
// trace fields are messages.
bool IsRepeated(Msg msg, uint32_t field) {
  switch (msg) {
    case Msg::kRequest:
    case Msg::kResource:
    case Msg::kArrayValue:
    case Msg::kKeyValueList:
      return field == 1;
    case Msg::kResourceSpans:
    case Msg::kScopeSpans:
      return field == 2;
    case Msg::kScope:
    case Msg::kEvent:
      return field == 3;
    case Msg::kSpan:
      return field == 9 || field == 11 || field == 13;
    case Msg::kLink:
      return field == 4;
    default:
      return false;
  }
}

// The singular message field of a message type (protobuf merges repeated occurrences of it,
// other decoders keep the last), or 0 when it has none. AnyValue's are members of its oneof,
// checked as such.
constexpr uint32_t SingularMessageField(Msg msg) {
  switch (msg) {
    case Msg::kResourceSpans:
    case Msg::kScopeSpans:
      return 1;
    case Msg::kSpan:
      return 15;
    case Msg::kKeyValue:
      return 2;
    default:
      return 0;
  }
}

const char* WireTypeName(uint32_t wire_type) {
  switch (wire_type) {
    case kVarint:
      return "varint";
    case kFixed64:
      return "fixed64";
    case kLengthDelimited:
      return "length-delimited";
    case kStartGroup:
      return "group";
    case kFixed32:
      return "fixed32";
    default:
      return "invalid";
  }
}

constexpr char kRepeatedSingularMessage[] =
    "singular message field occurs more than once (decoders disagree on merging it)";

class Scanner {
 public:
  Scanner(absl::string_view bytes, Index* index, uint64_t max_spans = UINT64_MAX)
      : base_(reinterpret_cast<const uint8_t*>(bytes.data())), index_(index), max_spans_(max_spans) {}

  // Scans a message of a type known at compile time, so field lookups fold into jump tables.
  template <Msg kMsg>
  bool ScanMessage(const uint8_t* p, const uint8_t* end, int depth);
  // Dispatches to the ScanMessage of `msg`.
  bool ScanNested(const uint8_t* p, const uint8_t* end, Msg msg, int depth);
  // The first problem found, after the path of the field where it was found (e.g.
  // "resource_spans[0].scope_spans[1].spans[3].name: invalid UTF-8").
  std::string error() const { return path_.empty() ? error_ : absl::StrCat(path_, ": ", error_); }
  // Names the field the error was found at (FailAt) with its path from `root`, the message type
  // the scan started with, whose body is the whole scanned buffer from `root_offset`.
  void ResolvePath(Msg root, uint32_t root_offset, uint32_t root_end);
  uint64_t spans() const { return spans_; }
  bool too_many_spans() const { return spans_ > max_spans_; }

 private:
  bool Fail(absl::string_view what) {
    if (error_.empty()) error_ = std::string(what);
    return false;
  }
  // Fails with `what` at the field whose tag starts at `field_start`. Only the offset is kept:
  // the path is found by ResolvePath once the scan has failed, so the accepting path pays
  // nothing for paths.
  ABSL_ATTRIBUTE_COLD ABSL_ATTRIBUTE_NOINLINE bool FailAt(const uint8_t* field_start,
                                                          absl::string_view what) {
    if (error_.empty()) error_offset_ = Offset(field_start);
    return Fail(what);
  }
  // FailAt for a message nested deeper than kMaxDepth.
  ABSL_ATTRIBUTE_COLD ABSL_ATTRIBUTE_NOINLINE bool FailNesting(const uint8_t* field_start) {
    return FailAt(field_start, NestingLimitError());
  }
  // FailAt for a known field that came with `wire_type` instead of `expected`.
  ABSL_ATTRIBUTE_COLD ABSL_ATTRIBUTE_NOINLINE bool FailWireType(const uint8_t* field_start,
                                                                uint32_t wire_type,
                                                                uint32_t expected) {
    return FailAt(field_start, absl::StrCat("wire type ", WireTypeName(wire_type),
                                            " where OTLP defines ", WireTypeName(expected)));
  }
  // FailAt for AnyValue member `field` after member `set`.
  ABSL_ATTRIBUTE_COLD ABSL_ATTRIBUTE_NOINLINE bool FailOneof(const uint8_t* field_start,
                                                             uint32_t field, uint32_t set) {
    return FailAt(field_start,
                  set == field ? std::string(kRepeatedSingularMessage)
                               : absl::StrCat("second member of oneof value (",
                                              FieldName(Msg::kAnyValue, set), " is already set)"));
  }
  uint32_t Offset(const uint8_t* p) const { return static_cast<uint32_t>(p - base_); }

  static bool ReadVarint(const uint8_t*& p, const uint8_t* end, uint64_t* out) {
    // Most tags and lengths fit in one or two bytes.
    if (p < end && *p < 0x80) {
      *out = *p++;
      return true;
    }
    if (end - p >= 2 && p[1] < 0x80) {
      *out = (p[0] & 0x7Fu) | (static_cast<uint64_t>(p[1]) << 7);
      p += 2;
      return true;
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p >= end) return false;
      uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;  // more than 10 bytes
  }

  // Reads a tag as protobuf does: at most five bytes, keeping the low 32 bits.
  static bool ReadTag(const uint8_t*& p, const uint8_t* end, uint32_t* out) {
    if (p < end && *p < 0x80) {
      *out = *p++;
      return true;
    }
    uint32_t v = 0;
    for (int i = 0; i < 5; ++i) {
      if (p >= end) return false;
      uint8_t b = *p++;
      v |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;  // a sixth byte
  }

  // Skips a group whose start tag (field `field`) was just read.
  bool SkipGroup(const uint8_t*& p, const uint8_t* end, uint32_t field, int depth);
  bool SkipField(const uint8_t*& p, const uint8_t* end, uint32_t wire_type, uint32_t field,
                 int depth);

  // Adds [field_start, p) to `headers` (when not null) as it goes out of scope, i.e. once the
  // field has been scanned.
  class HeaderRecorder {
   public:
    HeaderRecorder(Headers* headers, const Scanner* scanner, const uint8_t* field_start,
                   const uint8_t*& p)
        : headers_(headers), scanner_(scanner), field_start_(field_start), p_(p) {}
    ~HeaderRecorder() {
      if (headers_ != nullptr) {
        headers_->Add(scanner_->Offset(field_start_), static_cast<uint32_t>(p_ - field_start_));
      }
    }

   private:
    Headers* headers_;
    const Scanner* scanner_;
    const uint8_t* field_start_;
    const uint8_t*& p_;
  };

  const uint8_t* base_;
  Index* index_;  // may be null: count only
  std::string error_;
  uint32_t error_offset_ = UINT32_MAX;  // where the field FailAt named starts
  std::string path_;
  uint64_t spans_ = 0;
  uint64_t max_spans_;
};

void Scanner::ResolvePath(Msg root, uint32_t root_offset, uint32_t root_end) {
  if (error_offset_ == UINT32_MAX) return;
  Msg msg = root;
  const uint8_t* p = base_ + root_offset;
  const uint8_t* end = base_ + root_end;
  const uint8_t* target = base_ + error_offset_;
  uint32_t ordinals[32] = {};  // per field number of the current message (OTLP's are < 17)
  while (p < end && p <= target) {
    const uint8_t* field_start = p;
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return;
    const uint32_t field = tag >> 3;
    std::string segment = FieldName(msg, field);
    if (IsRepeated(msg, field)) absl::StrAppend(&segment, "[", ordinals[field], "]");
    if (field_start == target) {
      absl::StrAppend(&path_, path_.empty() ? "" : ".", segment);
      return;
    }
    if (field < std::size(ordinals)) ++ordinals[field];
    // The fields before the target passed the scan, as did the length of every message that
    // holds it, so this walk does not fail before it gets there.
    const FieldInfo info = LookupField(msg, field);
    if (info.kind == Kind::kMessage && (tag & 7) == kLengthDelimited) {
      uint64_t len;
      if (!ReadVarint(p, end, &len) || len > static_cast<uint64_t>(end - p)) return;
      if (target < p + len) {
        absl::StrAppend(&path_, path_.empty() ? "" : ".", segment);
        msg = info.message;
        end = p + len;
        std::fill(std::begin(ordinals), std::end(ordinals), 0);
        continue;
      }
      p += len;
      continue;
    }
    if (!SkipField(p, end, tag & 7, field, /*depth=*/0)) return;
  }
}

bool Scanner::SkipField(const uint8_t*& p, const uint8_t* end, uint32_t wire_type, uint32_t field,
                        int depth) {
  uint64_t v;
  switch (wire_type) {
    case kVarint:
      if (!ReadVarint(p, end, &v)) return Fail("truncated or overlong varint");
      return true;
    case kFixed64:
      if (end - p < 8) return Fail("truncated fixed64");
      p += 8;
      return true;
    case kFixed32:
      if (end - p < 4) return Fail("truncated fixed32");
      p += 4;
      return true;
    case kLengthDelimited:
      if (!ReadVarint(p, end, &v) || v > static_cast<uint64_t>(end - p)) {
        return Fail("length exceeds the message");
      }
      p += v;
      return true;
    case kStartGroup:
      return SkipGroup(p, end, field, depth);
    default:
      return Fail("invalid wire type");
  }
}

bool Scanner::SkipGroup(const uint8_t*& p, const uint8_t* end, uint32_t field, int depth) {
  if (depth >= kMaxDepth) return FailNesting(p);
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return Fail("invalid tag");
    uint32_t f = static_cast<uint32_t>(tag >> 3), wt = static_cast<uint32_t>(tag & 7);
    if (f == 0) return Fail("field number 0");
    if (wt == kEndGroup) {
      if (f != field) return Fail("mismatched end-group tag");
      return true;
    }
    if (!SkipField(p, end, wt, f, depth + 1)) return false;
  }
  return Fail("unterminated group");
}

bool Scanner::ScanNested(const uint8_t* p, const uint8_t* end, Msg msg, int depth) {
  switch (msg) {
    case Msg::kRequest:
      return ScanMessage<Msg::kRequest>(p, end, depth);
    case Msg::kResourceSpans:
      return ScanMessage<Msg::kResourceSpans>(p, end, depth);
    case Msg::kResource:
      return ScanMessage<Msg::kResource>(p, end, depth);
    case Msg::kScopeSpans:
      return ScanMessage<Msg::kScopeSpans>(p, end, depth);
    case Msg::kScope:
      return ScanMessage<Msg::kScope>(p, end, depth);
    case Msg::kSpan:
      return ScanMessage<Msg::kSpan>(p, end, depth);
    case Msg::kEvent:
      return ScanMessage<Msg::kEvent>(p, end, depth);
    case Msg::kLink:
      return ScanMessage<Msg::kLink>(p, end, depth);
    case Msg::kStatus:
      return ScanMessage<Msg::kStatus>(p, end, depth);
    case Msg::kKeyValue:
      return ScanMessage<Msg::kKeyValue>(p, end, depth);
    case Msg::kAnyValue:
      return ScanMessage<Msg::kAnyValue>(p, end, depth);
    case Msg::kArrayValue:
      return ScanMessage<Msg::kArrayValue>(p, end, depth);
    case Msg::kKeyValueList:
      return ScanMessage<Msg::kKeyValueList>(p, end, depth);
    case Msg::kNone:
      break;
  }
  return true;
}

template <Msg kMsg>
bool Scanner::ScanMessage(const uint8_t* p, const uint8_t* end, int depth) {
  constexpr Msg msg = kMsg;
  SpanEntry* span = nullptr;
  if (msg == Msg::kSpan) {
    if (++spans_ > max_spans_) return Fail("too many spans");
    if (index_) {
      span = &index_->spans.emplace_back();
      span->bytes = Range{Offset(p), static_cast<uint32_t>(end - p)};
    }
  }
  constexpr bool kHasHeaders = msg == Msg::kResourceSpans || msg == Msg::kScopeSpans;
  // AnyValue: the member of its oneof set so far; other messages: 1 once their singular message
  // field (SingularMessageField) was seen. One variable, so one register across recursion.
  uint32_t seen = 0;
  while (p < end) {
    const uint8_t* field_start = p;
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return Fail("invalid tag");
    uint32_t field = static_cast<uint32_t>(tag >> 3), wt = static_cast<uint32_t>(tag & 7);
    if (field == 0) return Fail("field number 0");
    if (wt == kEndGroup) return Fail("unexpected end-group tag");
    // Every field of a ResourceSpans or ScopeSpans that is not a child (scope_spans / spans) is
    // header: recorded once the field has been scanned, whichever way this iteration ends.
    HeaderRecorder header(
        kHasHeaders && index_ != nullptr && !(field == 2 && wt == kLengthDelimited)
            ? (msg == Msg::kResourceSpans ? &index_->resources.back().headers
                                          : &index_->scopes.back().headers)
            : nullptr,
        this, field_start, p);
    const FieldInfo info = LookupField(msg, field);
    if (info.kind == Kind::kUnknown) [[unlikely]] {
      if (!SkipField(p, end, wt, field, depth)) return false;
      continue;
    }
    // A field OTLP defines must come with its own wire type. protobuf C++ would keep it as an
    // unknown field and forward it; decoders that read a known number with its declared type
    // (protobufjs) misread it or fail. OTLP has no repeated scalar fields, so no packed
    // encoding is legal here either.
    if (info.wire_type != wt) [[unlikely]] {
      return FailWireType(field_start, wt, info.wire_type);
    }
    if constexpr (msg == Msg::kAnyValue) {
      // Every field of AnyValue is a member of its oneof `value`. Decoders disagree on which of
      // two members wins (the last on the wire, or the last declared), and on whether two
      // occurrences of a message member merge; the same scalar member twice is last-one-wins
      // everywhere.
      if (seen != 0 && (seen != field || info.kind == Kind::kMessage)) [[unlikely]] {
        return FailOneof(field_start, field, seen);
      }
      seen = field;
    }
    if (info.kind == Kind::kScalar) {
      const uint8_t* start = p;
      if (!SkipField(p, end, wt, field, depth)) return false;
      if (span != nullptr) {
        uint64_t v = 0;
        if (wt == kFixed64) {
          std::memcpy(&v, start, 8);  // little-endian hosts only, as protobuf's fast path
          if (field == 7) span->start_time_unix_nano = v;
          if (field == 8) span->end_time_unix_nano = v;
        } else if (wt == kFixed32) {
          uint32_t v32;
          std::memcpy(&v32, start, 4);
          if (field == 16) span->flags = v32;
        } else if (field == 6) {
          const uint8_t* q = start;
          if (ReadVarint(q, end, &v)) span->kind = static_cast<uint32_t>(v);
        }
      }
      continue;
    }
    uint64_t len;
    if (!ReadVarint(p, end, &len) || len > static_cast<uint64_t>(end - p)) {
      return FailAt(field_start, "length exceeds the message");
    }
    const uint8_t* value = p;
    const uint8_t* value_end = p + len;
    p = value_end;
    if (info.kind == Kind::kString) {
      if (!ValidUtf8(value, value_end)) {
        return FailAt(field_start, "invalid UTF-8 in a string field");
      }
      if (span != nullptr && field == 5)
        span->name = Range{Offset(value), static_cast<uint32_t>(len)};
      if (span != nullptr && field == 3)
        span->trace_state = Range{Offset(value), static_cast<uint32_t>(len)};
      continue;
    }
    if (info.kind == Kind::kBytes) {
      if (span != nullptr) {
        Range r{Offset(value), static_cast<uint32_t>(len)};
        if (field == 1) span->trace_id = r;
        if (field == 2) span->span_id = r;
        if (field == 4) span->parent_span_id = r;
      }
      continue;
    }
    // A nested message.
    if constexpr (SingularMessageField(msg) != 0) {
      if (field == SingularMessageField(msg)) {
        // protobuf C++ merges repeated occurrences of a singular message; protobufjs and
        // others keep only the last. The bytes cannot mean one thing to every decoder.
        if (seen != 0) [[unlikely]] return FailAt(field_start, kRepeatedSingularMessage);
        seen = 1;
      }
    }
    if (depth + 1 > kMaxDepth) return FailNesting(field_start);
    size_t resource_index = 0, scope_index = 0, child_span = 0;
    if (index_ != nullptr) {
      if (info.message == Msg::kResourceSpans) {
        resource_index = index_->resources.size();
        ResourceEntry& r = index_->resources.emplace_back();
        r.bytes = Range{Offset(value), static_cast<uint32_t>(len)};
        r.field_offset = Offset(field_start);
        r.first_scope = static_cast<uint32_t>(index_->scopes.size());
      } else if (info.message == Msg::kScopeSpans) {
        scope_index = index_->scopes.size();
        ScopeEntry& sc = index_->scopes.emplace_back();
        sc.bytes = Range{Offset(value), static_cast<uint32_t>(len)};
        sc.field_offset = Offset(field_start);
        sc.resource = static_cast<uint32_t>(index_->resources.size() - 1);
        sc.first_span = static_cast<uint32_t>(index_->spans.size());
      } else if (info.message == Msg::kSpan) {
        child_span = index_->spans.size();
      }
    }
    size_t span_slot = span != nullptr ? static_cast<size_t>(span - index_->spans.data()) : 0;
    if (!ScanNested(value, value_end, info.message, depth + 1)) return false;
    if (index_ != nullptr) {
      if (info.message == Msg::kResourceSpans) {
        ResourceEntry& r = index_->resources[resource_index];
        r.scope_count = static_cast<uint32_t>(index_->scopes.size()) - r.first_scope;
      } else if (info.message == Msg::kScopeSpans) {
        ScopeEntry& s = index_->scopes[scope_index];
        s.span_count = static_cast<uint32_t>(index_->spans.size()) - s.first_span;
      } else if (info.message == Msg::kSpan) {
        SpanEntry& e = index_->spans[child_span];
        e.field_offset = Offset(field_start);
        e.scope = static_cast<uint32_t>(index_->scopes.size() - 1);
      }
      if (span != nullptr) span = &index_->spans[span_slot];  // the vector may have grown
    }
    if (span != nullptr && info.message == Msg::kStatus) {
      // Status.code: read the last varint field 3 of the status body.
      const uint8_t* q = value;
      while (q < value_end) {
        uint32_t t;
        uint64_t v;
        if (!ReadTag(q, value_end, &t)) break;
        uint32_t f = t >> 3, w = t & 7;
        if (f == 3 && w == kVarint) {
          if (!ReadVarint(q, value_end, &v)) break;
          span->status_code = static_cast<uint32_t>(v);
        } else if (!SkipField(q, value_end, w, f, depth + 1)) {
          break;
        }
      }
    }
  }
  return true;
}

constexpr char kRequestRefused[] = "request body is not a valid OTLP ExportTraceServiceRequest: ";
constexpr char kRefusedSpansPayload[] = "type.weir.dev/otlp.RefusedSpans";

// The spans a refused request holds as far as its structure can be walked, without any of the
// scan's checks: request → resource_spans → scope_spans → spans.
uint64_t CountSpansLeniently(absl::string_view bytes) {
  uint64_t spans = 0;
  auto children = [](absl::string_view body, uint32_t number, auto&& fn) {
    ForEachField(
        body, [&](uint32_t field, uint32_t wire_type, absl::string_view value, absl::string_view) {
          if (field == number && wire_type == kLengthDelimited) fn(value);
        });
  };
  children(bytes, 1, [&](absl::string_view resource_spans) {
    children(resource_spans, 2, [&](absl::string_view scope_spans) {
      children(scope_spans, 2, [&](absl::string_view) { ++spans; });
    });
  });
  return spans;
}

}  // namespace

std::string NestingLimitError() {
  return absl::StrCat("messages nested deeper than ", kMaxDepth,
                      " levels (protobuf's recursion limit)");
}

absl::Status WithRefusedSpans(absl::Status status, uint64_t spans) {
  status.SetPayload(kRefusedSpansPayload, absl::Cord(absl::StrCat(spans)));
  return status;
}

uint64_t RefusedSpans(const absl::Status& status) {
  const auto payload = status.GetPayload(kRefusedSpansPayload);
  uint64_t spans = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &spans)) return 0;
  return spans;
}

absl::Status ScanRequest(absl::string_view bytes, Index* index, uint64_t max_spans) {
  index->Clear();
  if (bytes.size() > 0x7FFFFFFFu) return absl::InvalidArgumentError("request larger than 2 GiB");
  Scanner scanner(bytes, index, max_spans);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kRequest>(p, p + bytes.size(), 0)) {
    index->Clear();
    index->spans.shrink_to_fit();
    if (scanner.too_many_spans()) {
      return absl::ResourceExhaustedError(
          absl::StrCat("request holds more than ", max_spans, " spans"));
    }
    scanner.ResolvePath(Msg::kRequest, 0, static_cast<uint32_t>(bytes.size()));
    return WithRefusedSpans(
        absl::InvalidArgumentError(absl::StrCat(kRequestRefused, scanner.error())),
        CountSpansLeniently(bytes));
  }
  return absl::OkStatus();
}

namespace {

absl::Status Invalid(absl::string_view what, Scanner& scanner, Msg root, uint32_t offset,
                     uint32_t end) {
  scanner.ResolvePath(root, offset, end);
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", scanner.error()));
}

}  // namespace

absl::Status ScanSpan(absl::string_view buffer, Range body, SpanEntry* entry) {
  Index index;
  Scanner scanner(buffer, &index);
  const auto* p = reinterpret_cast<const uint8_t*>(buffer.data()) + body.offset;
  // A span sits at depth 3: request, ResourceSpans, ScopeSpans, Span.
  if (!scanner.ScanMessage<Msg::kSpan>(p, p + body.size, 3)) {
    return Invalid("span is not a valid OTLP Span", scanner, Msg::kSpan, body.offset,
                   body.offset + body.size);
  }
  *entry = index.spans.front();
  return absl::OkStatus();
}

absl::Status ValidateResourceSpansHeader(absl::string_view bytes) {
  Scanner scanner(bytes, nullptr);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kResourceSpans>(p, p + bytes.size(), 1)) {
    return Invalid("resource is not valid OTLP", scanner, Msg::kResourceSpans, 0,
                   static_cast<uint32_t>(bytes.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateScopeSpansHeader(absl::string_view bytes) {
  Scanner scanner(bytes, nullptr);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kScopeSpans>(p, p + bytes.size(), 2)) {
    return Invalid("scope is not valid OTLP", scanner, Msg::kScopeSpans, 0,
                   static_cast<uint32_t>(bytes.size()));
  }
  return absl::OkStatus();
}

absl::Status CountSpans(absl::string_view bytes, uint64_t* spans) {
  if (bytes.size() > 0x7FFFFFFFu) return absl::InvalidArgumentError("request larger than 2 GiB");
  Scanner scanner(bytes, nullptr);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kRequest>(p, p + bytes.size(), 0)) {
    scanner.ResolvePath(Msg::kRequest, 0, static_cast<uint32_t>(bytes.size()));
    return absl::InvalidArgumentError(absl::StrCat(kRequestRefused, scanner.error()));
  }
  *spans = scanner.spans();
  return absl::OkStatus();
}

}  // namespace weir::otlp::wire
