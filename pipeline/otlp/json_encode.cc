// OTLP/JSON encoding (json.h): a direct writer over the generated messages, no DOM.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/utf8.h"

namespace weir::otlp {
namespace {

using google::protobuf::RepeatedPtrField;

// Bytes that the string writer cannot copy through as they are: control characters, '"', '\\'
// and the start of every non-ASCII sequence (which gets validated).
constexpr std::array<bool, 256> MakeSpecialTable() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return table;
}
constexpr std::array<bool, 256> kSpecial = MakeSpecialTable();

}  // namespace

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

namespace {

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

}  // namespace weir::otlp
