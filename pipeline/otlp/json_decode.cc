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
#include "pipeline/otlp/json_decoder.h"
#include "pipeline/otlp/json_dom.h"
#include "pipeline/otlp/utf8.h"
#include "pipeline/otlp/wire_scan.h"
#include "rapidjson/document.h"

namespace weir::otlp {
namespace json_internal {

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
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 3);
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
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 4);
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
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 4);
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
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 5);
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
        ok = KeyValuesJson(m->value, out->mutable_attributes(), 5);
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
  if (depth > wire::kMaxDepth) return Fail(wire::NestingLimitError());
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
        ok = AnyValueJson(m->value, out->mutable_value(), depth + 1);
        break;
      default:
        break;
    }
    if (!ok) return At(kKeyValueFields[field].camel);
  }
  return true;
}

// When several members of the oneof are present, the last one wins, as with repeated keys.
bool Decoder::AnyValueJson(const JsonValue& v, AnyValue* out, int depth) {
  if (depth > wire::kMaxDepth) return Fail(wire::NestingLimitError());
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
        if (depth + 1 > wire::kMaxDepth) {
          ok = Fail(wire::NestingLimitError());
          break;
        }
        ArrayValue* array = out->mutable_array_value();
        for (auto am = value.MemberBegin(); ok && am != value.MemberEnd(); ++am) {
          if (am->value.IsNull() || FindField(am->name, kValuesFields) != kValuesValues) continue;
          ok = Repeated(am->value, array->mutable_values(),
                        [this, depth](const JsonValue& e, AnyValue* item) {
                          return AnyValueJson(e, item, depth + 2);
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
        if (depth + 1 > wire::kMaxDepth) {
          ok = Fail(wire::NestingLimitError());
          break;
        }
        KeyValueList* list = out->mutable_kvlist_value();
        for (auto km = value.MemberBegin(); ok && km != value.MemberEnd(); ++km) {
          if (km->value.IsNull() || FindField(km->name, kValuesFields) != kValuesValues) continue;
          ok = KeyValuesJson(km->value, list->mutable_values(), depth + 2) ||
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

// The spans of a request the decoder refused, counted in its DOM (for wire::RefusedSpans).
uint64_t CountSpansInDom(const JsonValue& root) {
  uint64_t spans = 0;
  auto each = [](const JsonValue& v, std::string_view camel, std::string_view snake, auto&& fn) {
    if (!v.IsObject()) return;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string_view name(m->name.GetString(), m->name.GetStringLength());
      if ((name != camel && name != snake) || !m->value.IsArray()) continue;
      for (const JsonValue& e : m->value.GetArray()) fn(e);
    }
  };
  each(root, "resourceSpans", "resource_spans", [&](const JsonValue& rs) {
    each(rs, "scopeSpans", "scope_spans", [&](const JsonValue& ss) {
      each(ss, "spans", "spans", [&](const JsonValue&) { ++spans; });
    });
  });
  return spans;
}

// Parses `json` and hands the root value to decode(decoder, root).
template <typename Message, typename Decode>
absl::Status ParseJson(std::string_view json, Message* out, Decode decode,
                       DomReserve reserve = Unreserved) {
  out->Clear();
  std::string buffer;
  // Small documents never touch the heap for their DOM nodes.
  char node_buffer[8192];
  rapidjson::MemoryPoolAllocator<> allocator(node_buffer, sizeof(node_buffer));
  rapidjson::Document doc(&allocator);
  if (absl::Status s = json_internal::ParseDom(json, &buffer, &doc, reserve); !s.ok()) return s;
  Decoder decoder;
  if (!decode(decoder, doc)) {
    out->Clear();
    if constexpr (std::is_same_v<Message, ExportRequest>) {
      return wire::WithRefusedSpans(decoder.ToStatus(), CountSpansInDom(doc));
    }
    return decoder.ToStatus();
  }
  return absl::OkStatus();
}

}  // namespace json_internal

absl::Status ParseRequestJson(std::string_view json, ExportRequest* out,
                              absl::FunctionRef<bool(size_t)> reserve) {
  return json_internal::ParseJson(
      json, out,
      [out](json_internal::Decoder& decoder, const rapidjson::Value& root) {
        return decoder.Request(root, out);
      },
      reserve);
}

absl::Status ParseResponseJson(std::string_view json, ExportResponse* out) {
  return json_internal::ParseJson(
      json, out, [out](json_internal::Decoder& decoder, const rapidjson::Value& root) {
        return decoder.Response(root, out);
      });
}

}  // namespace weir::otlp
