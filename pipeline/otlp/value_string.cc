#include "pipeline/otlp/value_string.h"

#include <charconv>
#include <cmath>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pipeline/otlp/json.h"

namespace weir::otlp {

namespace {

void AppendQuoted(absl::string_view s, std::string* out) {
  otlp::AppendJsonString(std::string_view(s.data(), s.size()), out);
}

void AppendJson(const otlp::AnyValue& v, std::string* out);

// Go marshals a map with its keys sorted; the last of a repeated key wins.
void AppendJsonObject(const google::protobuf::RepeatedPtrField<otlp::KeyValue>& values,
                      std::string* out) {
  std::map<absl::string_view, const otlp::AnyValue*> sorted;
  for (const otlp::KeyValue& kv : values) sorted[kv.key()] = &kv.value();
  out->push_back('{');
  bool first = true;
  for (const auto& [key, value] : sorted) {
    if (!first) out->push_back(',');
    first = false;
    AppendQuoted(key, out);
    out->push_back(':');
    AppendJson(*value, out);
  }
  out->push_back('}');
}

void AppendJson(const otlp::AnyValue& v, std::string* out) {
  switch (v.value_case()) {
    case otlp::AnyValue::kStringValue:
      AppendQuoted(v.string_value(), out);
      return;
    case otlp::AnyValue::kBoolValue:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case otlp::AnyValue::kIntValue:
      absl::StrAppend(out, v.int_value());
      return;
    case otlp::AnyValue::kDoubleValue: {
      const double d = v.double_value();
      // JSON has no NaN or infinity; Go's encoder gives up on them, a string is kinder.
      if (std::isfinite(d)) {
        out->append(FormatDouble(d));
      } else {
        AppendQuoted(FormatDouble(d), out);
      }
      return;
    }
    case otlp::AnyValue::kBytesValue:
      AppendQuoted(absl::Base64Escape(v.bytes_value()), out);
      return;
    case otlp::AnyValue::kArrayValue: {
      out->push_back('[');
      bool first = true;
      for (const otlp::AnyValue& e : v.array_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(e, out);
      }
      out->push_back(']');
      return;
    }
    case otlp::AnyValue::kKvlistValue:
      AppendJsonObject(v.kvlist_value().values(), out);
      return;
    case otlp::AnyValue::VALUE_NOT_SET:
      out->append("null");
      return;
  }
}

}  // namespace

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  const bool exponent = magnitude < 1e-6 || magnitude >= 1e21;
  char buffer[64];
  std::to_chars_result r =
      exponent
          ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific)
          : std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  std::string text(buffer, r.ptr);
  if (exponent) {
    // C++ writes "1e-07" and "1e+21"; ECMAScript writes "1e-7" and "1e+21".
    size_t e = text.find('e');
    if (e != std::string::npos && e + 2 < text.size() && text[e + 2] == '0') {
      size_t digits = e + 2;
      while (digits + 1 < text.size() && text[digits] == '0') text.erase(digits, 1);
    }
  }
  return text;
}

std::string AsString(const otlp::AnyValue& value) {
  switch (value.value_case()) {
    case otlp::AnyValue::kStringValue:
      return value.string_value();
    case otlp::AnyValue::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case otlp::AnyValue::kIntValue:
      return absl::StrCat(value.int_value());
    case otlp::AnyValue::kDoubleValue:
      return FormatDouble(value.double_value());
    case otlp::AnyValue::kBytesValue:
      return absl::Base64Escape(value.bytes_value());
    case otlp::AnyValue::kArrayValue:
    case otlp::AnyValue::kKvlistValue: {
      std::string out;
      AppendJson(value, &out);
      return out;
    }
    case otlp::AnyValue::VALUE_NOT_SET:
      return "";
  }
  return "";
}

std::string AttributesAsJson(const google::protobuf::RepeatedPtrField<otlp::KeyValue>& attributes) {
  std::string out;
  AppendJsonObject(attributes, &out);
  return out;
}

}  // namespace weir::otlp
