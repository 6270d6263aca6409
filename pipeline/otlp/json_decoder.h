// Internal to the OTLP/JSON decoder (json_decode.cc, json_decode_scalars.cc): the field-name
// tables and the Decoder that maps a RapidJSON DOM onto the generated messages. Not part of
// weir_otlp's API.
//
// Threading: a Decoder is used by one thread for one document; the tables are constants.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/otlp/types.h"
#include "rapidjson/document.h"

namespace weir::otlp::json_internal {

using JsonValue = rapidjson::Value;
using google::protobuf::RepeatedPtrField;
using PartialSuccess = opentelemetry::proto::collector::trace::v1::ExportTracePartialSuccess;

// Debian's Abseil is built with its own string_view type rather than an alias of std's.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Values nest (arrayValue, kvlistValue) at most as deep as protobuf allows messages to nest,
// wire::kMaxDepth below the request, the limit the wire scan enforces on the encoded request:
// what the decoder accepts always encodes to bytes the scan accepts. That is about 48 AnyValue
// levels, each costing a few stack frames, so a hostile request cannot exhaust the stack.

inline constexpr size_t kTraceIdBytes = 16;
inline constexpr size_t kSpanIdBytes = 8;

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
inline constexpr FieldName kRequestFields[] = {{"resourceSpans", "resource_spans"}};

enum { kResourceSpansResource, kResourceSpansScopeSpans, kResourceSpansSchemaUrl };
inline constexpr FieldName kResourceSpansFields[] = {
    {"resource", "resource"}, {"scopeSpans", "scope_spans"}, {"schemaUrl", "schema_url"}};

enum { kResourceAttributes, kResourceDroppedAttributesCount };
inline constexpr FieldName kResourceFields[] = {
    {"attributes", "attributes"}, {"droppedAttributesCount", "dropped_attributes_count"}};

enum { kScopeSpansScope, kScopeSpansSpans, kScopeSpansSchemaUrl };
inline constexpr FieldName kScopeSpansFields[] = {
    {"scope", "scope"}, {"spans", "spans"}, {"schemaUrl", "schema_url"}};

enum { kScopeName, kScopeVersion, kScopeAttributes, kScopeDroppedAttributesCount };
inline constexpr FieldName kScopeFields[] = {
    {"name", "name"},
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
inline constexpr FieldName kSpanFields[] = {
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
inline constexpr FieldName kEventFields[] = {
    {"timeUnixNano", "time_unix_nano"},
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
inline constexpr FieldName kLinkFields[] = {
    {"traceId", "trace_id"},
    {"spanId", "span_id"},
    {"traceState", "trace_state"},
    {"attributes", "attributes"},
    {"droppedAttributesCount", "dropped_attributes_count"},
    {"flags", "flags"},
};

enum { kStatusMessage, kStatusCode };
inline constexpr FieldName kStatusFields[] = {{"message", "message"}, {"code", "code"}};

enum { kKeyValueKey, kKeyValueValue };
inline constexpr FieldName kKeyValueFields[] = {{"key", "key"}, {"value", "value"}};

enum {
  kAnyString,
  kAnyBool,
  kAnyInt,
  kAnyDouble,
  kAnyArray,
  kAnyKvlist,
  kAnyBytes,
};
inline constexpr FieldName kAnyValueFields[] = {
    {"stringValue", "string_value"}, {"boolValue", "bool_value"},   {"intValue", "int_value"},
    {"doubleValue", "double_value"}, {"arrayValue", "array_value"}, {"kvlistValue", "kvlist_value"},
    {"bytesValue", "bytes_value"},
};

// ArrayValue and KeyValueList both have just `values`.
enum { kValuesValues };
inline constexpr FieldName kValuesFields[] = {{"values", "values"}};

enum { kResponsePartialSuccess };
inline constexpr FieldName kResponseFields[] = {{"partialSuccess", "partial_success"}};

enum { kPartialRejectedSpans, kPartialErrorMessage };
inline constexpr FieldName kPartialSuccessFields[] = {{"rejectedSpans", "rejected_spans"},
                                                      {"errorMessage", "error_message"}};

struct EnumName {
  std::string_view name;
  int value;
};
inline constexpr EnumName kSpanKindNames[] = {
    {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
    {"SPAN_KIND_CLIENT", 3},      {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
};
inline constexpr EnumName kStatusCodeNames[] = {
    {"STATUS_CODE_UNSET", 0}, {"STATUS_CODE_OK", 1}, {"STATUS_CODE_ERROR", 2}};

constexpr std::array<int8_t, 256> MakeHexTable() {
  std::array<int8_t, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = -1;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<int8_t>(c - 'A' + 10);
  return table;
}
inline constexpr std::array<int8_t, 256> kHexValue = MakeHexTable();

inline constexpr char kExpectedObject[] = "expected an object";
inline constexpr char kExpectedArray[] = "expected an array";
inline constexpr char kExpectedString[] = "expected a string";
inline constexpr char kExpectedInteger[] = "expected an integer";
inline constexpr char kOutOfRange[] = "integer out of range";

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
  // `depth` is the protobuf message depth of the KeyValue (of the AnyValue for AnyValueJson):
  // the request is 0, a ResourceSpans 1, and so on.
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

inline void Assign(std::string* field, std::string_view value) {
  field->assign(value.data(), value.size());
}

}  // namespace weir::otlp::json_internal
