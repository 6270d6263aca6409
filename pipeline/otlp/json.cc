#include "pipeline/otlp/json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pipeline/otlp/utf8.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace weir::otlp {
namespace {

using JsonValue = rapidjson::Value;
using google::protobuf::RepeatedPtrField;
using PartialSuccess = opentelemetry::proto::collector::trace::v1::ExportTracePartialSuccess;

// Debian's Abseil is built with its own string_view type rather than an alias of std's.
absl::string_view ToAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Each level of arrayValue/kvlistValue costs a few stack frames while decoding; the cap keeps a
// hostile request from exhausting the stack. Protobuf's own default recursion limit (100
// messages) already stops binary input at about 48 AnyValue levels, so real data never hits it.
constexpr int kMaxAnyValueDepth = 64;

constexpr size_t kTraceIdBytes = 16;
constexpr size_t kSpanIdBytes = 8;

// In-situ parsing rewrites string contents in place (so strings need no allocation of their
// own), the iterative parser keeps nesting on the heap instead of the call stack, and numbers
// come through as text for DomBuilder to convert. RapidJSON's own UTF-8 validation is left off:
// it halves parsing speed, and Decoder::String checks only the strings that are kept.
constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

// A JSON key of one message field: the lowerCamelCase name OTLP writes and the proto name that
// the protobuf JSON mapping also accepts. Errors name fields by their camelCase spelling.
struct FieldName {
  std::string_view camel;
  std::string_view snake;
};

// Returns the index of `key` in `fields`, or -1 for an unknown key (which callers skip).
template <size_t N>
int FindField(const JsonValue& key, const FieldName (&fields)[N]) {
  const std::string_view name(key.GetString(), key.GetStringLength());
  for (size_t i = 0; i < N; ++i) {
    if (name == fields[i].camel || name == fields[i].snake) return static_cast<int>(i);
  }
  return -1;
}

// Field tables; each enum indexes the table that follows it.
enum { kRequestResourceSpans };
constexpr FieldName kRequestFields[] = {{"resourceSpans", "resource_spans"}};

enum { kResourceSpansResource, kResourceSpansScopeSpans, kResourceSpansSchemaUrl };
constexpr FieldName kResourceSpansFields[] = {
    {"resource", "resource"}, {"scopeSpans", "scope_spans"}, {"schemaUrl", "schema_url"}};

enum { kResourceAttributes, kResourceDroppedAttributesCount };
constexpr FieldName kResourceFields[] = {{"attributes", "attributes"},
                                         {"droppedAttributesCount", "dropped_attributes_count"}};

enum { kScopeSpansScope, kScopeSpansSpans, kScopeSpansSchemaUrl };
constexpr FieldName kScopeSpansFields[] = {
    {"scope", "scope"}, {"spans", "spans"}, {"schemaUrl", "schema_url"}};

enum { kScopeName, kScopeVersion, kScopeAttributes, kScopeDroppedAttributesCount };
constexpr FieldName kScopeFields[] = {{"name", "name"},
                                      {"version", "version"},
                                      {"attributes", "attributes"},
                                      {"droppedAttributesCount", "dropped_attributes_count"}};

enum {
  kSpanTraceId,
  kSpanSpanId,
  kSpanTraceState,
  kSpanParentSpanId,
  kSpanFlags,
  kSpanName,
  kSpanKind,
  kSpanStartTimeUnixNano,
  kSpanEndTimeUnixNano,
  kSpanAttributes,
  kSpanDroppedAttributesCount,
  kSpanEvents,
  kSpanDroppedEventsCount,
  kSpanLinks,
  kSpanDroppedLinksCount,
  kSpanStatus,
};
constexpr FieldName kSpanFields[] = {
    {"traceId", "trace_id"},
    {"spanId", "span_id"},
    {"traceState", "trace_state"},
    {"parentSpanId", "parent_span_id"},
    {"flags", "flags"},
    {"name", "name"},
    {"kind", "kind"},
    {"startTimeUnixNano", "start_time_unix_nano"},
    {"endTimeUnixNano", "end_time_unix_nano"},
    {"attributes", "attributes"},
    {"droppedAttributesCount", "dropped_attributes_count"},
    {"events", "events"},
    {"droppedEventsCount", "dropped_events_count"},
    {"links", "links"},
    {"droppedLinksCount", "dropped_links_count"},
    {"status", "status"},
};

enum { kEventTimeUnixNano, kEventName, kEventAttributes, kEventDroppedAttributesCount };
constexpr FieldName kEventFields[] = {{"timeUnixNano", "time_unix_nano"},
                                      {"name", "name"},
                                      {"attributes", "attributes"},
                                      {"droppedAttributesCount", "dropped_attributes_count"}};

enum {
  kLinkTraceId,
  kLinkSpanId,
  kLinkTraceState,
  kLinkAttributes,
  kLinkDroppedAttributesCount,
  kLinkFlags,
};
constexpr FieldName kLinkFields[] = {
    {"traceId", "trace_id"},
    {"spanId", "span_id"},
    {"traceState", "trace_state"},
    {"attributes", "attributes"},
    {"droppedAttributesCount", "dropped_attributes_count"},
    {"flags", "flags"},
};

enum { kStatusMessage, kStatusCode };
constexpr FieldName kStatusFields[] = {{"message", "message"}, {"code", "code"}};

enum { kKeyValueKey, kKeyValueValue };
constexpr FieldName kKeyValueFields[] = {{"key", "key"}, {"value", "value"}};

enum {
  kAnyString,
  kAnyBool,
  kAnyInt,
  kAnyDouble,
  kAnyArray,
  kAnyKvlist,
  kAnyBytes,
};
constexpr FieldName kAnyValueFields[] = {
    {"stringValue", "string_value"}, {"boolValue", "bool_value"},   {"intValue", "int_value"},
    {"doubleValue", "double_value"}, {"arrayValue", "array_value"}, {"kvlistValue", "kvlist_value"},
    {"bytesValue", "bytes_value"},
};

// ArrayValue and KeyValueList both have just `values`.
enum { kValuesValues };
constexpr FieldName kValuesFields[] = {{"values", "values"}};

enum { kResponsePartialSuccess };
constexpr FieldName kResponseFields[] = {{"partialSuccess", "partial_success"}};

enum { kPartialRejectedSpans, kPartialErrorMessage };
constexpr FieldName kPartialSuccessFields[] = {{"rejectedSpans", "rejected_spans"},
                                               {"errorMessage", "error_message"}};

struct EnumName {
  std::string_view name;
  int value;
};
constexpr EnumName kSpanKindNames[] = {
    {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
    {"SPAN_KIND_CLIENT", 3},      {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
};
constexpr EnumName kStatusCodeNames[] = {
    {"STATUS_CODE_UNSET", 0}, {"STATUS_CODE_OK", 1}, {"STATUS_CODE_ERROR", 2}};

constexpr std::array<int8_t, 256> MakeHexTable() {
  std::array<int8_t, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = -1;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<int8_t>(c - 'A' + 10);
  return table;
}
constexpr std::array<int8_t, 256> kHexValue = MakeHexTable();

constexpr char kExpectedObject[] = "expected an object";
constexpr char kExpectedArray[] = "expected an array";
constexpr char kExpectedString[] = "expected a string";
constexpr char kExpectedInteger[] = "expected an integer";
constexpr char kOutOfRange[] = "integer out of range";

// Maps a parsed DOM onto the generated messages. Every method returns false on the first
// mismatch; the leaf records what was wrong and each level on the way out prepends its own path
// segment, so a successful decode never spends anything on paths.
class Decoder {
 public:
  bool Request(const JsonValue& v, ExportRequest* out);
  bool Response(const JsonValue& v, ExportResponse* out);

  // The failure as "<path>: <message>". REQUIRES: a method returned false.
  absl::Status ToStatus() const {
    if (path_.empty()) return absl::InvalidArgumentError(message_);
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", message_));
  }

 private:
  bool Fail(std::string_view message) {
    message_.assign(message.data(), message.size());
    return false;
  }
  // Prepends a field name to the error path; returns false so callers can `return At(...)`.
  bool At(std::string_view field) {
    if (path_.empty()) {
      path_.assign(field.data(), field.size());
    } else {
      path_ = absl::StrCat(ToAbsl(field), path_.front() == '[' ? "" : ".", path_);
    }
    return false;
  }
  bool AtIndex(size_t index) {
    path_ = absl::StrCat("[", index, "]", path_.empty() || path_.front() == '[' ? "" : ".", path_);
    return false;
  }

  // Decodes a JSON array into a repeated message field, one element at a time.
  template <typename T, typename DecodeOne>
  bool Repeated(const JsonValue& v, RepeatedPtrField<T>* out, DecodeOne decode_one) {
    if (!v.IsArray()) return Fail(kExpectedArray);
    out->Reserve(out->size() + static_cast<int>(v.Size()));
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (!decode_one(v[i], out->Add())) return AtIndex(i);
    }
    return true;
  }

  bool ResourceSpansJson(const JsonValue& v, ResourceSpans* out);
  bool ResourceJson(const JsonValue& v, Resource* out);
  bool ScopeSpansJson(const JsonValue& v, ScopeSpans* out);
  bool ScopeJson(const JsonValue& v, Scope* out);
  bool SpanJson(const JsonValue& v, Span* out);
  bool EventJson(const JsonValue& v, SpanEvent* out);
  bool LinkJson(const JsonValue& v, SpanLink* out);
  bool StatusJson(const JsonValue& v, SpanStatus* out);
  bool KeyValuesJson(const JsonValue& v, RepeatedPtrField<KeyValue>* out, int depth);
  bool KeyValueJson(const JsonValue& v, KeyValue* out, int depth);
  bool AnyValueJson(const JsonValue& v, AnyValue* out, int depth);
  bool PartialSuccessJson(const JsonValue& v, PartialSuccess* out);

  bool String(const JsonValue& v, std::string_view* out);
  bool HexId(const JsonValue& v, size_t bytes, char* buf, size_t* len);
  bool Uint64(const JsonValue& v, uint64_t* out);
  bool Int64(const JsonValue& v, int64_t* out);
  bool Uint32(const JsonValue& v, uint32_t* out);
  template <size_t N>
  bool Enum(const JsonValue& v, const EnumName (&names)[N], int* out);
  bool Double(const JsonValue& v, double* out);

  std::string path_;
  std::string message_;
};

void Assign(std::string* field, std::string_view value) {
  field->assign(value.data(), value.size());
}

// Protobuf string fields must hold UTF-8; letting anything else through would make the whole
// batch fail later, at whichever protobuf parser receives it next.
bool Decoder::String(const JsonValue& v, std::string_view* out) {
  if (!v.IsString()) return Fail(kExpectedString);
  *out = std::string_view(v.GetString(), v.GetStringLength());
  return ValidUtf8(*out) || Fail("invalid UTF-8");
}

// Decodes a hex id of `bytes` bytes into buf; an empty string is an empty (absent) id.
bool Decoder::HexId(const JsonValue& v, size_t bytes, char* buf, size_t* len) {
  if (!v.IsString()) return Fail(kExpectedString);
  const size_t n = v.GetStringLength();
  const auto* s = reinterpret_cast<const unsigned char*>(v.GetString());
  *len = 0;
  if (n == 0) return true;
  if (n != 2 * bytes) {
    return Fail(absl::StrCat("expected ", 2 * bytes, " hex digits, got ", n, " characters"));
  }
  for (size_t i = 0; i < bytes; ++i) {
    const int hi = kHexValue[s[2 * i]];
    const int lo = kHexValue[s[2 * i + 1]];
    if ((hi | lo) < 0) {
      return Fail(absl::StrCat("expected ", 2 * bytes, " hex digits, got a non-hex character at ",
                               hi < 0 ? 2 * i : 2 * i + 1));
    }
    buf[i] = static_cast<char>((hi << 4) | lo);
  }
  *len = bytes;
  return true;
}

// Parses a whole string as a base-10 integer (no sign for unsigned, no spaces, no '+').
template <typename T>
bool ParseDecimal(std::string_view s, T* out, bool* out_of_range) {
  *out_of_range = false;
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 10);
  if (ec == std::errc::result_out_of_range) {
    *out_of_range = true;
    return false;
  }
  if (ec != std::errc() || end != s.data() + s.size()) {
    // "-1" for an unsigned field is a range problem, not a syntax one.
    if constexpr (std::is_unsigned_v<T>) {
      if (s.size() > 1 && s[0] == '-' && s.find_first_not_of("0123456789", 1) == s.npos) {
        *out_of_range = true;
      }
    }
    return false;
  }
  return true;
}

bool Decoder::Uint64(const JsonValue& v, uint64_t* out) {
  if (v.IsUint64()) {
    *out = v.GetUint64();
    return true;
  }
  if (v.IsInt64()) return Fail(kOutOfRange);  // negative
  if (v.IsDouble()) {
    // Senders in JavaScript write nanos as plain numbers, sometimes in exponent form.
    const double d = v.GetDouble();
    if (d != std::trunc(d)) return Fail(kExpectedInteger);
    if (!(d >= 0 && d < 18446744073709551616.0)) return Fail(kOutOfRange);
    *out = static_cast<uint64_t>(d);
    return true;
  }
  if (v.IsString()) {
    bool out_of_range;
    if (ParseDecimal({v.GetString(), v.GetStringLength()}, out, &out_of_range)) return true;
    return Fail(out_of_range ? kOutOfRange : kExpectedInteger);
  }
  return Fail(kExpectedInteger);
}

bool Decoder::Int64(const JsonValue& v, int64_t* out) {
  if (v.IsInt64()) {
    *out = v.GetInt64();
    return true;
  }
  if (v.IsUint64()) return Fail(kOutOfRange);  // above INT64_MAX
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (d != std::trunc(d)) return Fail(kExpectedInteger);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return Fail(kOutOfRange);
    *out = static_cast<int64_t>(d);
    return true;
  }
  if (v.IsString()) {
    bool out_of_range;
    if (ParseDecimal({v.GetString(), v.GetStringLength()}, out, &out_of_range)) return true;
    return Fail(out_of_range ? kOutOfRange : kExpectedInteger);
  }
  return Fail(kExpectedInteger);
}

bool Decoder::Uint32(const JsonValue& v, uint32_t* out) {
  uint64_t wide;
  if (!Uint64(v, &wide)) return false;
  if (wide > std::numeric_limits<uint32_t>::max()) return Fail(kOutOfRange);
  *out = static_cast<uint32_t>(wide);
  return true;
}

// Proto3 enums are open: any int32 is kept, names must be known.
template <size_t N>
bool Decoder::Enum(const JsonValue& v, const EnumName (&names)[N], int* out) {
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    for (const EnumName& e : names) {
      if (s == e.name) {
        *out = e.value;
        return true;
      }
    }
    // Numbers in strings are accepted for every other integer field, so here too.
    int64_t number;
    bool out_of_range;
    if (!ParseDecimal(s, &number, &out_of_range)) {
      return Fail(absl::StrCat("unknown enum value \"", absl::CHexEscape(ToAbsl(s)), "\""));
    }
    if (number < std::numeric_limits<int32_t>::min() ||
        number > std::numeric_limits<int32_t>::max()) {
      return Fail(kOutOfRange);
    }
    *out = static_cast<int>(number);
    return true;
  }
  int64_t number;
  if (!Int64(v, &number)) {
    if (message_ == kExpectedInteger) return Fail("expected an integer or an enum name");
    return false;
  }
  if (number < std::numeric_limits<int32_t>::min() ||
      number > std::numeric_limits<int32_t>::max()) {
    return Fail(kOutOfRange);
  }
  *out = static_cast<int>(number);
  return true;
}

bool Decoder::Double(const JsonValue& v, double* out) {
  if (v.IsNumber()) {
    *out = v.GetDouble();
    return true;
  }
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    if (s == "NaN") {
      *out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (s == "Infinity") {
      *out = std::numeric_limits<double>::infinity();
      return true;
    }
    if (s == "-Infinity") {
      *out = -std::numeric_limits<double>::infinity();
      return true;
    }
    // The protobuf JSON mapping also allows numbers in strings.
    if (!s.empty() && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
      if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(*out)) return true;
    }
  }
  return Fail("expected a number");
}

bool Decoder::Request(const JsonValue& v, ExportRequest* out) {
  if (!v.IsObject()) return Fail("expected a JSON object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    switch (FindField(m->name, kRequestFields)) {
      case kRequestResourceSpans:
        if (!Repeated(m->value, out->mutable_resource_spans(),
                      [this](const JsonValue& e, ResourceSpans* rs) {
                        return ResourceSpansJson(e, rs);
                      })) {
          return At(kRequestFields[kRequestResourceSpans].camel);
        }
        break;
      default:
        break;
    }
  }
  return true;
}

bool Decoder::ResourceSpansJson(const JsonValue& v, ResourceSpans* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kResourceSpansFields);
    bool ok = true;
    std::string_view s;
    switch (field) {
      case kResourceSpansResource:
        ok = ResourceJson(m->value, out->mutable_resource());
        break;
      case kResourceSpansScopeSpans:
        ok = Repeated(m->value, out->mutable_scope_spans(),
                      [this](const JsonValue& e, ScopeSpans* ss) { return ScopeSpansJson(e, ss); });
        break;
      case kResourceSpansSchemaUrl:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_schema_url(), s);
        break;
      default:
        break;
    }
    if (!ok) return At(kResourceSpansFields[field].camel);
  }
  return true;
}

bool Decoder::ResourceJson(const JsonValue& v, Resource* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kResourceFields);
    bool ok = true;
    uint32_t count;
    switch (field) {
      case kResourceAttributes:
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 1);
        break;
      case kResourceDroppedAttributesCount:
        ok = Uint32(m->value, &count);
        if (ok) out->set_dropped_attributes_count(count);
        break;
      default:
        break;
    }
    if (!ok) return At(kResourceFields[field].camel);
  }
  return true;
}

bool Decoder::ScopeSpansJson(const JsonValue& v, ScopeSpans* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kScopeSpansFields);
    bool ok = true;
    std::string_view s;
    switch (field) {
      case kScopeSpansScope:
        ok = ScopeJson(m->value, out->mutable_scope());
        break;
      case kScopeSpansSpans:
        ok = Repeated(m->value, out->mutable_spans(),
                      [this](const JsonValue& e, Span* span) { return SpanJson(e, span); });
        break;
      case kScopeSpansSchemaUrl:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_schema_url(), s);
        break;
      default:
        break;
    }
    if (!ok) return At(kScopeSpansFields[field].camel);
  }
  return true;
}

bool Decoder::ScopeJson(const JsonValue& v, Scope* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kScopeFields);
    bool ok = true;
    std::string_view s;
    uint32_t count;
    switch (field) {
      case kScopeName:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_name(), s);
        break;
      case kScopeVersion:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_version(), s);
        break;
      case kScopeAttributes:
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 1);
        break;
      case kScopeDroppedAttributesCount:
        ok = Uint32(m->value, &count);
        if (ok) out->set_dropped_attributes_count(count);
        break;
      default:
        break;
    }
    if (!ok) return At(kScopeFields[field].camel);
  }
  return true;
}

bool Decoder::SpanJson(const JsonValue& v, Span* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kSpanFields);
    bool ok = true;
    std::string_view s;
    char id[kTraceIdBytes];
    size_t id_len;
    uint32_t u32;
    uint64_t u64;
    int enum_value;
    switch (field) {
      case kSpanTraceId:
        ok = HexId(m->value, kTraceIdBytes, id, &id_len);
        if (ok && id_len != 0) Assign(out->mutable_trace_id(), {id, id_len});
        break;
      case kSpanSpanId:
        ok = HexId(m->value, kSpanIdBytes, id, &id_len);
        if (ok && id_len != 0) Assign(out->mutable_span_id(), {id, id_len});
        break;
      case kSpanTraceState:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_trace_state(), s);
        break;
      case kSpanParentSpanId:
        ok = HexId(m->value, kSpanIdBytes, id, &id_len);
        if (ok && id_len != 0) Assign(out->mutable_parent_span_id(), {id, id_len});
        break;
      case kSpanFlags:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_flags(u32);
        break;
      case kSpanName:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_name(), s);
        break;
      case kSpanKind:
        ok = Enum(m->value, kSpanKindNames, &enum_value);
        if (ok) out->set_kind(static_cast<Span::SpanKind>(enum_value));
        break;
      case kSpanStartTimeUnixNano:
        ok = Uint64(m->value, &u64);
        if (ok) out->set_start_time_unix_nano(u64);
        break;
      case kSpanEndTimeUnixNano:
        ok = Uint64(m->value, &u64);
        if (ok) out->set_end_time_unix_nano(u64);
        break;
      case kSpanAttributes:
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 1);
        break;
      case kSpanDroppedAttributesCount:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_dropped_attributes_count(u32);
        break;
      case kSpanEvents:
        ok = Repeated(m->value, out->mutable_events(),
                      [this](const JsonValue& e, SpanEvent* event) { return EventJson(e, event); });
        break;
      case kSpanDroppedEventsCount:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_dropped_events_count(u32);
        break;
      case kSpanLinks:
        ok = Repeated(m->value, out->mutable_links(),
                      [this](const JsonValue& e, SpanLink* link) { return LinkJson(e, link); });
        break;
      case kSpanDroppedLinksCount:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_dropped_links_count(u32);
        break;
      case kSpanStatus:
        ok = StatusJson(m->value, out->mutable_status());
        break;
      default:
        break;
    }
    if (!ok) return At(kSpanFields[field].camel);
  }
  return true;
}

bool Decoder::EventJson(const JsonValue& v, SpanEvent* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kEventFields);
    bool ok = true;
    std::string_view s;
    uint32_t u32;
    uint64_t u64;
    switch (field) {
      case kEventTimeUnixNano:
        ok = Uint64(m->value, &u64);
        if (ok) out->set_time_unix_nano(u64);
        break;
      case kEventName:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_name(), s);
        break;
      case kEventAttributes:
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 1);
        break;
      case kEventDroppedAttributesCount:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_dropped_attributes_count(u32);
        break;
      default:
        break;
    }
    if (!ok) return At(kEventFields[field].camel);
  }
  return true;
}

bool Decoder::LinkJson(const JsonValue& v, SpanLink* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kLinkFields);
    bool ok = true;
    std::string_view s;
    char id[kTraceIdBytes];
    size_t id_len;
    uint32_t u32;
    switch (field) {
      case kLinkTraceId:
        ok = HexId(m->value, kTraceIdBytes, id, &id_len);
        if (ok && id_len != 0) Assign(out->mutable_trace_id(), {id, id_len});
        break;
      case kLinkSpanId:
        ok = HexId(m->value, kSpanIdBytes, id, &id_len);
        if (ok && id_len != 0) Assign(out->mutable_span_id(), {id, id_len});
        break;
      case kLinkTraceState:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_trace_state(), s);
        break;
      case kLinkAttributes:
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 1);
        break;
      case kLinkDroppedAttributesCount:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_dropped_attributes_count(u32);
        break;
      case kLinkFlags:
        ok = Uint32(m->value, &u32);
        if (ok) out->set_flags(u32);
        break;
      default:
        break;
    }
    if (!ok) return At(kLinkFields[field].camel);
  }
  return true;
}

bool Decoder::StatusJson(const JsonValue& v, SpanStatus* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kStatusFields);
    bool ok = true;
    std::string_view s;
    int code;
    switch (field) {
      case kStatusMessage:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_message(), s);
        break;
      case kStatusCode:
        ok = Enum(m->value, kStatusCodeNames, &code);
        if (ok) out->set_code(static_cast<SpanStatus::StatusCode>(code));
        break;
      default:
        break;
    }
    if (!ok) return At(kStatusFields[field].camel);
  }
  return true;
}

bool Decoder::KeyValuesJson(const JsonValue& v, RepeatedPtrField<KeyValue>* out, int depth) {
  return Repeated(v, out, [this, depth](const JsonValue& e, KeyValue* kv) {
    return KeyValueJson(e, kv, depth);
  });
}

bool Decoder::KeyValueJson(const JsonValue& v, KeyValue* out, int depth) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kKeyValueFields);
    bool ok = true;
    std::string_view s;
    switch (field) {
      case kKeyValueKey:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_key(), s);
        break;
      case kKeyValueValue:
        ok = AnyValueJson(m->value, out->mutable_value(), depth);
        break;
      default:
        break;
    }
    if (!ok) return At(kKeyValueFields[field].camel);
  }
  return true;
}

// `depth` counts AnyValue levels: 1 for an attribute's value, +1 per enclosing array/kvlist.
// When several members of the oneof are present, the last one wins, as with repeated keys.
bool Decoder::AnyValueJson(const JsonValue& v, AnyValue* out, int depth) {
  if (depth > kMaxAnyValueDepth) {
    return Fail(absl::StrCat("values nested deeper than ", kMaxAnyValueDepth, " levels"));
  }
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kAnyValueFields);
    const JsonValue& value = m->value;
    bool ok = true;
    std::string_view s;
    int64_t i64;
    double d;
    switch (field) {
      // Zero values are still set: which member of the oneof is present is information.
      case kAnyString:
        ok = String(value, &s);
        if (ok) Assign(out->mutable_string_value(), s);
        break;
      case kAnyBool:
        ok = value.IsBool() || Fail("expected a boolean");
        if (ok) out->set_bool_value(value.GetBool());
        break;
      case kAnyInt:
        ok = Int64(value, &i64);
        if (ok) out->set_int_value(i64);
        break;
      case kAnyDouble:
        ok = Double(value, &d);
        if (ok) out->set_double_value(d);
        break;
      case kAnyArray: {
        if (!value.IsObject()) {
          ok = Fail(kExpectedObject);
          break;
        }
        ArrayValue* array = out->mutable_array_value();
        for (auto am = value.MemberBegin(); ok && am != value.MemberEnd(); ++am) {
          if (am->value.IsNull() || FindField(am->name, kValuesFields) != kValuesValues) continue;
          ok = Repeated(am->value, array->mutable_values(),
                        [this, depth](const JsonValue& e, AnyValue* item) {
                          return AnyValueJson(e, item, depth + 1);
                        }) ||
               At(kValuesFields[kValuesValues].camel);
        }
        break;
      }
      case kAnyKvlist: {
        if (!value.IsObject()) {
          ok = Fail(kExpectedObject);
          break;
        }
        KeyValueList* list = out->mutable_kvlist_value();
        for (auto km = value.MemberBegin(); ok && km != value.MemberEnd(); ++km) {
          if (km->value.IsNull() || FindField(km->name, kValuesFields) != kValuesValues) continue;
          ok = KeyValuesJson(km->value, list->mutable_values(), depth + 1) ||
               At(kValuesFields[kValuesValues].camel);
        }
        break;
      }
      case kAnyBytes: {
        ok = String(value, &s);
        if (!ok) break;
        // Standard base64 per the protobuf JSON mapping, which also accepts the URL-safe
        // alphabet and missing padding.
        std::string* bytes = out->mutable_bytes_value();
        const bool web_safe = s.find_first_of("-_") != std::string_view::npos;
        ok = (web_safe ? absl::WebSafeBase64Unescape(ToAbsl(s), bytes)
                       : absl::Base64Unescape(ToAbsl(s), bytes)) ||
             Fail("invalid base64");
        break;
      }
      default:
        break;
    }
    if (!ok) return At(kAnyValueFields[field].camel);
  }
  return true;
}

bool Decoder::Response(const JsonValue& v, ExportResponse* out) {
  if (!v.IsObject()) return Fail("expected a JSON object");
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    if (FindField(m->name, kResponseFields) != kResponsePartialSuccess) continue;
    if (!PartialSuccessJson(m->value, out->mutable_partial_success())) {
      return At(kResponseFields[kResponsePartialSuccess].camel);
    }
  }
  return true;
}

bool Decoder::PartialSuccessJson(const JsonValue& v, PartialSuccess* out) {
  if (!v.IsObject()) return Fail(kExpectedObject);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;
    const int field = FindField(m->name, kPartialSuccessFields);
    bool ok = true;
    std::string_view s;
    int64_t i64;
    switch (field) {
      case kPartialRejectedSpans:
        ok = Int64(m->value, &i64);
        if (ok) out->set_rejected_spans(i64);
        break;
      case kPartialErrorMessage:
        ok = String(m->value, &s);
        if (ok && !s.empty()) Assign(out->mutable_error_message(), s);
        break;
      default:
        break;
    }
    if (!ok) return At(kPartialSuccessFields[field].camel);
  }
  return true;
}

// from_chars reports overflow and underflow alike as out of range. Underflow becomes zero, as in
// other JSON readers; this tells the two apart by the sign of the decimal magnitude.
bool IsUnderflow(std::string_view number) {
  size_t i = number.empty() || number[0] != '-' ? 0 : 1;
  int64_t integer_digits = 0;
  int64_t leading_zeros = 0;
  bool seen_point = false;
  bool seen_nonzero = false;
  for (; i < number.size() && number[i] != 'e' && number[i] != 'E'; ++i) {
    if (number[i] == '.') {
      seen_point = true;
      continue;
    }
    if (!seen_point) ++integer_digits;
    if (number[i] != '0') seen_nonzero = true;
    if (!seen_nonzero) ++leading_zeros;
  }
  int64_t exponent = 0;
  if (i + 1 < number.size()) {
    size_t start = i + 1;
    if (number[start] == '+') ++start;
    const auto [ptr, ec] =
        std::from_chars(number.data() + start, number.data() + number.size(), exponent);
    if (ec == std::errc::result_out_of_range) return number[start] == '-';
  }
  return integer_digits - leading_zeros + exponent < 0;
}

// Builds the DOM from SAX events, converting numbers itself: RapidJSON 1.1's full-precision
// strtod misreads some zeros (clz(0) turns "0.0e-30" into 1.2e-240) and its normal precision
// can be one ulp off, while std::from_chars is exact. Integers keep RapidJSON's number types,
// so IsUint64() and friends mean what they usually do.
class DomBuilder {
 public:
  explicit DomBuilder(rapidjson::Document& doc) : doc_(doc) {}

  bool number_too_big() const { return number_too_big_; }

  bool RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    const char* end = str + length;
    if (std::find_if(str, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      if (*str == '-') {
        int64_t i64;
        if (std::from_chars(str, end, i64).ec == std::errc()) return doc_.Int64(i64);
      } else {
        uint64_t u64;
        if (std::from_chars(str, end, u64).ec == std::errc()) return doc_.Uint64(u64);
      }
    }
    // Fractions, exponents and integers beyond 64 bits.
    double d;
    const auto [ptr, ec] = std::from_chars(str, end, d);
    if (ec == std::errc::result_out_of_range) {
      if (!IsUnderflow({str, length})) {
        number_too_big_ = true;
        return false;
      }
      d = *str == '-' ? -0.0 : 0.0;
    }
    return doc_.Double(d);
  }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    return doc_.String(str, length, copy);
  }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    return doc_.Key(str, length, copy);
  }
  bool EndObject(rapidjson::SizeType count) { return doc_.EndObject(count); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType count) { return doc_.EndArray(count); }

 private:
  rapidjson::Document& doc_;
  bool number_too_big_ = false;
};

// Parses `json` and hands the root value to decode(decoder, root).
template <typename Message, typename Decode>
absl::Status ParseJson(std::string_view json, Message* out, Decode decode) {
  out->Clear();
  // In-situ parsing needs a mutable, NUL-terminated copy; decoded strings then stay inside it.
  std::string buffer(json);
  // Small documents never touch the heap for their DOM nodes.
  char node_buffer[8192];
  rapidjson::MemoryPoolAllocator<> allocator(node_buffer, sizeof(node_buffer));
  rapidjson::Document doc(&allocator);
  rapidjson::ParseResult result;
  bool number_too_big = false;
  auto generate = [&](rapidjson::Document& d) {
    DomBuilder builder(d);
    rapidjson::InsituStringStream stream(buffer.data());
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, builder);
    number_too_big = builder.number_too_big();
    return !result.IsError();
  };
  doc.Populate(generate);
  if (result.IsError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", result.Offset(), ": ",
                     rapidjson::GetParseError_En(number_too_big ? rapidjson::kParseErrorNumberTooBig
                                                                : result.Code())));
  }
  // The in-situ parser stops at the first NUL; anything after it must not pass silently.
  if (const void* nul = std::memchr(json.data(), '\0', json.size()); nul != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", static_cast<const char*>(nul) - json.data(), ": ",
                     rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular)));
  }
  Decoder decoder;
  if (!decode(decoder, doc)) {
    out->Clear();
    return decoder.ToStatus();
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

// Bytes that the string writer cannot copy through as they are: control characters, '"', '\\'
// and the start of every non-ASCII sequence (which gets validated).
constexpr std::array<bool, 256> MakeSpecialTable() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}
constexpr std::array<bool, 256> kSpecial = MakeSpecialTable();

// Writes `s` as a JSON string. Protobuf strings arriving over gRPC are not guaranteed to be valid
// UTF-8; each invalid byte becomes U+FFFD (as Go's encoding/json does) so the output is always
// JSON that strict readers accept.
void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto* run = p;
  auto flush = [&] { out->append(reinterpret_cast<const char*>(run), p - run); };
  while (p < end) {
    const unsigned char c = *p;
    if (!kSpecial[c]) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t n = Utf8SequenceLength(p, end); n != 0) {
        p += n;
        continue;
      }
      flush();
      out->append("\\ufffd");
    } else {
      flush();
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        default: {
          const char escape[] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
          out->append(escape, sizeof(escape));
        }
      }
    }
    run = ++p;
  }
  flush();
  out->push_back('"');
}

template <typename Int>
void AppendInt(Int value, std::string* out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, result.ptr - buf);
}

void AppendQuotedInt(uint64_t value, std::string* out) {
  out->push_back('"');
  AppendInt(value, out);
  out->push_back('"');
}

void AppendQuotedInt(int64_t value, std::string* out) {
  out->push_back('"');
  AppendInt(value, out);
  out->push_back('"');
}

// Finite values as the shortest decimal that round-trips; the rest as protobuf JSON's strings.
void AppendDouble(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else if (value == 0 && std::signbit(value)) {
    // "-0" would read back as the integer 0 and lose its sign.
    out->append("-0.0");
  } else {
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value);
    out->append(buf, result.ptr - buf);
  }
}

void AppendHex(std::string_view bytes, std::string* out) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  out->push_back('"');
  const size_t start = out->size();
  out->resize(start + 2 * bytes.size());
  char* dst = out->data() + start;
  for (const char b : bytes) {
    const auto c = static_cast<unsigned char>(b);
    *dst++ = kHexDigits[c >> 4];
    *dst++ = kHexDigits[c & 0xf];
  }
  out->push_back('"');
}

// Writes one JSON object; fields at their default are skipped, as protobuf's JSON printer does.
// The closing brace is written when the writer goes out of scope.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  ~ObjectWriter() { out_->push_back('}'); }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  // Starts a member and returns the output for its value.
  std::string* Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(key);
    out_->append("\":");
    return out_;
  }

  void String(std::string_view key, std::string_view value) {
    if (!value.empty()) AppendJsonString(value, Key(key));
  }
  void Hex(std::string_view key, std::string_view value) {
    if (!value.empty()) AppendHex(value, Key(key));
  }
  void Uint32(std::string_view key, uint32_t value) {
    if (value != 0) AppendInt(value, Key(key));
  }
  void Int32(std::string_view key, int32_t value) {
    if (value != 0) AppendInt(value, Key(key));
  }
  void Uint64(std::string_view key, uint64_t value) {
    if (value != 0) AppendQuotedInt(value, Key(key));
  }
  void Int64(std::string_view key, int64_t value) {
    if (value != 0) AppendQuotedInt(value, Key(key));
  }
  template <typename T, typename AppendOne>
  void Array(std::string_view key, const RepeatedPtrField<T>& items, AppendOne append_one) {
    if (items.empty()) return;
    std::string* out = Key(key);
    out->push_back('[');
    bool first = true;
    for (const T& item : items) {
      if (!first) out->push_back(',');
      first = false;
      append_one(item, out);
    }
    out->push_back(']');
  }

 private:
  std::string* out_;
  bool first_ = true;
};

void AppendAnyValue(const AnyValue& value, std::string* out);

void AppendKeyValue(const KeyValue& kv, std::string* out) {
  ObjectWriter w(out);
  w.String("key", kv.key());
  if (kv.has_value()) AppendAnyValue(kv.value(), w.Key("value"));
}

void AppendKeyValues(std::string_view key, const RepeatedPtrField<KeyValue>& items,
                     ObjectWriter& w) {
  w.Array(key, items, AppendKeyValue);
}

void AppendAnyValue(const AnyValue& value, std::string* out) {
  ObjectWriter w(out);
  switch (value.value_case()) {
    case AnyValue::kStringValue:
      AppendJsonString(value.string_value(), w.Key("stringValue"));
      break;
    case AnyValue::kBoolValue:
      w.Key("boolValue")->append(value.bool_value() ? "true" : "false");
      break;
    case AnyValue::kIntValue:
      AppendQuotedInt(static_cast<int64_t>(value.int_value()), w.Key("intValue"));
      break;
    case AnyValue::kDoubleValue:
      AppendDouble(value.double_value(), w.Key("doubleValue"));
      break;
    case AnyValue::kArrayValue: {
      ObjectWriter array(w.Key("arrayValue"));
      array.Array("values", value.array_value().values(), AppendAnyValue);
      break;
    }
    case AnyValue::kKvlistValue: {
      ObjectWriter list(w.Key("kvlistValue"));
      AppendKeyValues("values", value.kvlist_value().values(), list);
      break;
    }
    case AnyValue::kBytesValue: {
      std::string* o = w.Key("bytesValue");
      o->push_back('"');
      o->append(absl::Base64Escape(value.bytes_value()));
      o->push_back('"');
      break;
    }
    case AnyValue::VALUE_NOT_SET:
      break;
  }
}

void AppendResource(const Resource& resource, std::string* out) {
  ObjectWriter w(out);
  AppendKeyValues("attributes", resource.attributes(), w);
  w.Uint32("droppedAttributesCount", resource.dropped_attributes_count());
}

void AppendScope(const Scope& scope, std::string* out) {
  ObjectWriter w(out);
  w.String("name", scope.name());
  w.String("version", scope.version());
  AppendKeyValues("attributes", scope.attributes(), w);
  w.Uint32("droppedAttributesCount", scope.dropped_attributes_count());
}

void AppendEvent(const SpanEvent& event, std::string* out) {
  ObjectWriter w(out);
  w.Uint64("timeUnixNano", event.time_unix_nano());
  w.String("name", event.name());
  AppendKeyValues("attributes", event.attributes(), w);
  w.Uint32("droppedAttributesCount", event.dropped_attributes_count());
}

void AppendLink(const SpanLink& link, std::string* out) {
  ObjectWriter w(out);
  w.Hex("traceId", link.trace_id());
  w.Hex("spanId", link.span_id());
  w.String("traceState", link.trace_state());
  AppendKeyValues("attributes", link.attributes(), w);
  w.Uint32("droppedAttributesCount", link.dropped_attributes_count());
  w.Uint32("flags", link.flags());
}

void AppendStatus(const SpanStatus& status, std::string* out) {
  ObjectWriter w(out);
  w.String("message", status.message());
  w.Int32("code", status.code());
}

// Members in .proto declaration order, which is also the order the Collector writes.
void AppendSpan(const Span& span, std::string* out) {
  ObjectWriter w(out);
  w.Hex("traceId", span.trace_id());
  w.Hex("spanId", span.span_id());
  w.String("traceState", span.trace_state());
  w.Hex("parentSpanId", span.parent_span_id());
  w.Uint32("flags", span.flags());
  w.String("name", span.name());
  w.Int32("kind", span.kind());
  w.Uint64("startTimeUnixNano", span.start_time_unix_nano());
  w.Uint64("endTimeUnixNano", span.end_time_unix_nano());
  AppendKeyValues("attributes", span.attributes(), w);
  w.Uint32("droppedAttributesCount", span.dropped_attributes_count());
  w.Array("events", span.events(), AppendEvent);
  w.Uint32("droppedEventsCount", span.dropped_events_count());
  w.Array("links", span.links(), AppendLink);
  w.Uint32("droppedLinksCount", span.dropped_links_count());
  if (span.has_status()) AppendStatus(span.status(), w.Key("status"));
}

void AppendScopeSpans(const ScopeSpans& scope_spans, std::string* out) {
  ObjectWriter w(out);
  if (scope_spans.has_scope()) AppendScope(scope_spans.scope(), w.Key("scope"));
  w.Array("spans", scope_spans.spans(), AppendSpan);
  w.String("schemaUrl", scope_spans.schema_url());
}

void AppendResourceSpans(const ResourceSpans& resource_spans, std::string* out) {
  ObjectWriter w(out);
  if (resource_spans.has_resource()) AppendResource(resource_spans.resource(), w.Key("resource"));
  w.Array("scopeSpans", resource_spans.scope_spans(), AppendScopeSpans);
  w.String("schemaUrl", resource_spans.schema_url());
}

}  // namespace

absl::Status ParseRequestJson(std::string_view json, ExportRequest* out) {
  return ParseJson(json, out, [out](Decoder& decoder, const JsonValue& root) {
    return decoder.Request(root, out);
  });
}

void AppendRequestJson(const ExportRequest& request, std::string* out) {
  ObjectWriter w(out);
  w.Array("resourceSpans", request.resource_spans(), AppendResourceSpans);
}

std::string ResponseToJson(const ExportResponse& response) {
  std::string out;
  {
    ObjectWriter w(&out);
    if (response.has_partial_success()) {
      const auto& partial = response.partial_success();
      ObjectWriter p(w.Key("partialSuccess"));
      p.Int64("rejectedSpans", partial.rejected_spans());
      p.String("errorMessage", partial.error_message());
    }
  }
  return out;
}

absl::Status ParseResponseJson(std::string_view json, ExportResponse* out) {
  return ParseJson(json, out, [out](Decoder& decoder, const JsonValue& root) {
    return decoder.Response(root, out);
  });
}

}  // namespace weir::otlp
