// OTLP/JSON decoding (json.h): RapidJSON parses the text into a DOM (json_dom.h), which
// Decoder maps onto the generated messages field by field.
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
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/json_dom.h"
#include "pipeline/otlp/utf8.h"
#include "rapidjson/document.h"

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

// Parses `json` and hands the root value to decode(decoder, root).
template <typename Message, typename Decode>
absl::Status ParseJson(std::string_view json, Message* out, Decode decode) {
  out->Clear();
  std::string buffer;
  // Small documents never touch the heap for their DOM nodes.
  char node_buffer[8192];
  rapidjson::MemoryPoolAllocator<> allocator(node_buffer, sizeof(node_buffer));
  rapidjson::Document doc(&allocator);
  if (absl::Status s = json_internal::ParseDom(json, &buffer, &doc); !s.ok()) return s;
  Decoder decoder;
  if (!decode(decoder, doc)) {
    out->Clear();
    return decoder.ToStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseRequestJson(std::string_view json, ExportRequest* out) {
  return ParseJson(json, out, [out](Decoder& decoder, const JsonValue& root) {
    return decoder.Request(root, out);
  });
}

absl::Status ParseResponseJson(std::string_view json, ExportResponse* out) {
  return ParseJson(json, out, [out](Decoder& decoder, const JsonValue& root) {
    return decoder.Response(root, out);
  });
}

}  // namespace weir::otlp
