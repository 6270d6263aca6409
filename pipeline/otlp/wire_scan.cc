#include "pipeline/otlp/wire_scan.h"

#include <cstring>

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

constexpr FieldInfo LookupField(Msg msg, uint32_t field) {
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

class Scanner {
 public:
  Scanner(absl::string_view bytes, Index* index, uint64_t max_spans = UINT64_MAX)
      : base_(reinterpret_cast<const uint8_t*>(bytes.data())), index_(index), max_spans_(max_spans) {}

  // Scans a message of a type known at compile time, so field lookups fold into jump tables.
  template <Msg kMsg>
  bool ScanMessage(const uint8_t* p, const uint8_t* end, int depth);
  // Dispatches to the ScanMessage of `msg`.
  bool ScanNested(const uint8_t* p, const uint8_t* end, Msg msg, int depth);
  const std::string& error() const { return error_; }
  uint64_t spans() const { return spans_; }
  bool too_many_spans() const { return spans_ > max_spans_; }

 private:
  bool Fail(absl::string_view what) {
    if (error_.empty()) error_ = std::string(what);
    return false;
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
  uint64_t spans_ = 0;
  uint64_t max_spans_;
};

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
  if (depth >= kMaxDepth) return Fail("nesting exceeds the recursion limit");
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
    if (info.kind == Kind::kUnknown || info.wire_type != wt) {
      if (!SkipField(p, end, wt, field, depth)) return false;
      continue;
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
      return Fail("length exceeds the message");
    }
    const uint8_t* value = p;
    const uint8_t* value_end = p + len;
    p = value_end;
    if (info.kind == Kind::kString) {
      if (!ValidUtf8(value, value_end)) return Fail("string field contains invalid UTF-8");
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
    if (depth + 1 > kMaxDepth) return Fail("nesting exceeds the recursion limit");
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

}  // namespace

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
    return absl::InvalidArgumentError(
        absl::StrCat("request body is not a valid protobuf-encoded ExportTraceServiceRequest: ",
                     scanner.error()));
  }
  return absl::OkStatus();
}

namespace {

absl::Status Invalid(absl::string_view what, const Scanner& scanner) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", scanner.error()));
}

}  // namespace

absl::Status ScanSpan(absl::string_view buffer, Range body, SpanEntry* entry) {
  Index index;
  Scanner scanner(buffer, &index);
  const auto* p = reinterpret_cast<const uint8_t*>(buffer.data()) + body.offset;
  // A span sits at depth 3: request, ResourceSpans, ScopeSpans, Span.
  if (!scanner.ScanMessage<Msg::kSpan>(p, p + body.size, 3)) {
    return Invalid("span is not a valid protobuf-encoded Span", scanner);
  }
  *entry = index.spans.front();
  return absl::OkStatus();
}

absl::Status ValidateResourceSpansHeader(absl::string_view bytes) {
  Scanner scanner(bytes, nullptr);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kResourceSpans>(p, p + bytes.size(), 1)) {
    return Invalid("resource is not valid protobuf", scanner);
  }
  return absl::OkStatus();
}

absl::Status ValidateScopeSpansHeader(absl::string_view bytes) {
  Scanner scanner(bytes, nullptr);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kScopeSpans>(p, p + bytes.size(), 2)) {
    return Invalid("scope is not valid protobuf", scanner);
  }
  return absl::OkStatus();
}


absl::Status CountSpans(absl::string_view bytes, uint64_t* spans) {
  if (bytes.size() > 0x7FFFFFFFu) return absl::InvalidArgumentError("request larger than 2 GiB");
  Scanner scanner(bytes, nullptr);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!scanner.ScanMessage<Msg::kRequest>(p, p + bytes.size(), 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body is not a valid protobuf-encoded ExportTraceServiceRequest: ",
                     scanner.error()));
  }
  *spans = scanner.spans();
  return absl::OkStatus();
}

}  // namespace weir::otlp::wire
