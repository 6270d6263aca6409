#include "pipeline/transform/attribute_actions.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pipeline/transform/hash.h"
#include "pipeline/transform/regex.h"
#include "pipeline/otlp/value_string.h"

namespace weir::pipeline::transform {

namespace {

using KeyValues = google::protobuf::RepeatedPtrField<otlp::KeyValue>;

bool ParseAction(absl::string_view name, ActionType* out) {
  static const std::pair<const char*, ActionType> kNames[] = {
      {"insert", ActionType::kInsert},  {"update", ActionType::kUpdate},
      {"upsert", ActionType::kUpsert},  {"delete", ActionType::kDelete},
      {"hash", ActionType::kHash},      {"extract", ActionType::kExtract},
      {"convert", ActionType::kConvert}};
  for (const auto& [n, t] : kNames) {
    if (name == n) {
      *out = t;
      return true;
    }
  }
  return false;
}

otlp::AnyValue ScalarToAnyValue(const std::string& text, bool quoted) {
  otlp::AnyValue v;
  if (quoted) {
    v.set_string_value(text);
    return v;
  }
  int64_t i = 0;
  double d = 0;
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "false") {
    v.set_bool_value(lower == "true");
  } else if (absl::SimpleAtoi(text, &i)) {
    v.set_int_value(i);
  } else if (!text.empty() &&
             (absl::ascii_isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-' ||
              text[0] == '+' || text[0] == '.') &&
             absl::SimpleAtod(text, &d)) {
    v.set_double_value(d);
  } else {
    v.set_string_value(text);
  }
  return v;
}

otlp::KeyValue* Find(KeyValues* list, absl::string_view key) {
  for (otlp::KeyValue& kv : *list)
    if (kv.key() == key) return &kv;
  return nullptr;
}

std::optional<otlp::AnyValue> Source(const AttributeAction& a, KeyValues* list,
                                     const RequestContext& context) {
  std::optional<otlp::AnyValue> out;
  if (a.value) {
    out = a.value;
  } else if (!a.from_attribute.empty()) {
    if (const otlp::KeyValue* kv = Find(list, a.from_attribute)) out = kv->value();
  } else if (!a.from_context.empty()) {
    if (std::optional<std::string> v = ContextValue(context, a.from_context)) {
      out.emplace();
      out->set_string_value(*v);
    }
  }
  if (!out && a.default_value) out = a.default_value;
  return out;
}

// otelcol's attribute hash: SHA-256 of the value's bytes (strings as they are, a bool as one
// byte, ints and doubles as 8 little-endian bytes), lower-case hex; "" for an empty string and
// for types without bytes (maps, arrays, bytes, empty).
std::string HashValue(const otlp::AnyValue& v) {
  std::string bytes;
  switch (v.value_case()) {
    case otlp::AnyValue::kStringValue:
      bytes = v.string_value();
      break;
    case otlp::AnyValue::kBoolValue:
      bytes.push_back(v.bool_value() ? 1 : 0);
      break;
    case otlp::AnyValue::kIntValue: {
      const uint64_t u = static_cast<uint64_t>(v.int_value());
      for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
      break;
    }
    case otlp::AnyValue::kDoubleValue: {
      uint64_t u;
      const double d = v.double_value();
      std::memcpy(&u, &d, 8);
      for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
      break;
    }
    default:
      break;
  }
  if (bytes.empty()) return "";
  return HexDigest(HashFunction::kSha256, bytes);
}

// Converts in place as otelcol's convert action; returns whether the value changed.
bool Convert(otlp::AnyValue* v, ConvertTo to) {
  switch (to) {
    case ConvertTo::kString:
      if (v->value_case() == otlp::AnyValue::kStringValue) return false;
      v->set_string_value(otlp::AsString(*v));
      return true;
    case ConvertTo::kInt:
      switch (v->value_case()) {
        case otlp::AnyValue::kDoubleValue: {
          const double d = v->double_value();
          if (!(d > -9.3e18 && d < 9.3e18)) return false;  // outside int64: left as it is
          v->set_int_value(static_cast<int64_t>(d));
          return true;
        }
        case otlp::AnyValue::kBoolValue:
          v->set_int_value(v->bool_value() ? 1 : 0);
          return true;
        case otlp::AnyValue::kStringValue: {
          int64_t i = 0;
          if (!absl::SimpleAtoi(v->string_value(), &i)) return false;
          v->set_int_value(i);
          return true;
        }
        default:
          return false;
      }
    case ConvertTo::kDouble:
      switch (v->value_case()) {
        case otlp::AnyValue::kIntValue:
          v->set_double_value(static_cast<double>(v->int_value()));
          return true;
        case otlp::AnyValue::kBoolValue:
          v->set_double_value(v->bool_value() ? 1 : 0);
          return true;
        case otlp::AnyValue::kStringValue: {
          double d = 0;
          if (!absl::SimpleAtod(v->string_value(), &d)) return false;
          v->set_double_value(d);
          return true;
        }
        default:
          return false;
      }
  }
  return false;
}

bool KeyMatches(const AttributeAction& a, absl::string_view key) {
  return key == a.key || (a.pattern != nullptr &&
                          RE2::PartialMatch(re2::StringPiece(key.data(), key.size()), *a.pattern));
}

}  // namespace

otlp::AnyValue YamlToAnyValue(const YAML::Node& node) {
  otlp::AnyValue v;
  if (node.IsSequence()) {
    for (const YAML::Node& e : node) *v.mutable_array_value()->add_values() = YamlToAnyValue(e);
  } else if (node.IsMap()) {
    for (const auto& kv : node) {
      otlp::KeyValue* out = v.mutable_kvlist_value()->add_values();
      out->set_key(kv.first.as<std::string>());
      *out->mutable_value() = YamlToAnyValue(kv.second);
    }
  } else if (node.IsScalar()) {
    std::string text = node.Scalar(), expanded, error;
    if (config::ExpandEnv(text, &expanded, &error)) text = expanded;
    v = ScalarToAnyValue(text, node.Tag() == "!");
  }
  return v;
}

std::optional<std::string> ContextValue(const RequestContext& context, absl::string_view name) {
  if (name == "client.address") {
    if (context.client_address.empty()) return std::nullopt;
    // otelcol's client.address is the host without the port.
    absl::string_view a = context.client_address;
    if (!a.empty() && a.front() == '[') {
      size_t close = a.find(']');
      if (close != absl::string_view::npos) return std::string(a.substr(1, close - 1));
    }
    size_t colon = a.rfind(':');
    if (colon != absl::string_view::npos && a.find(':') == colon) a = a.substr(0, colon);
    return std::string(a);
  }
  if (absl::StartsWith(name, "auth.")) return std::nullopt;  // weir's authenticators keep none
  if (absl::StartsWith(name, "metadata.")) name.remove_prefix(strlen("metadata."));
  std::vector<absl::string_view> values = context.Get(name);
  if (values.empty()) return std::nullopt;
  return absl::StrJoin(values, ";");
}

std::vector<AttributeAction> ReadActions(config::Node& node, absl::string_view key, bool required) {
  std::vector<AttributeAction> actions;
  config::Node list = node.Child(key);
  if (!list.IsSet() || (list.IsSequence() && list.yaml().size() == 0)) {
    if (required) node.ErrorAt(key, "required: at least one action");
    return actions;
  }
  if (!list.IsSequence()) {
    node.ErrorAt(key, "must be a list of actions");
    return actions;
  }
  for (config::Node e : list.Elements()) {
    AttributeAction a;
    std::string name;
    if (!e.ReadRequired("action", &name)) {
      e.RejectUnknownKeys();
      continue;
    }
    name = absl::AsciiStrToLower(name);
    if (!ParseAction(name, &a.type)) {
      e.ErrorAt("action", absl::StrCat("unknown action \"", name,
                                       "\"; use insert, update, upsert, delete, hash, extract "
                                       "or convert"));
      e.RejectUnknownKeys();
      continue;
    }
    e.Read("key", &a.key);
    const bool has_value = e.Has("value");
    if (has_value) {
      config::Node v = e.Child("value");
      a.value = YamlToAnyValue(v.yaml());
    }
    e.Read("from_attribute", &a.from_attribute);
    e.Read("from_context", &a.from_context);
    if (e.Has("default_value")) a.default_value = YamlToAnyValue(e.Child("default_value").yaml());
    std::string pattern, converted;
    e.Read("pattern", &pattern);
    e.Read("converted_type", &converted);
    if (!pattern.empty()) {
      auto re = std::make_shared<RE2>(pattern, RegexOptions());
      if (!re->ok()) {
        e.ErrorAt("pattern",
                  absl::StrCat("invalid regular expression \"", pattern, "\": ", re->error()));
      } else {
        a.pattern = re;
      }
    }
    const int sources =
        (has_value ? 1 : 0) + (a.from_attribute.empty() ? 0 : 1) + (a.from_context.empty() ? 0 : 1);
    switch (a.type) {
      case ActionType::kInsert:
      case ActionType::kUpdate:
      case ActionType::kUpsert:
        if (a.key.empty()) e.ErrorAt("key", absl::StrCat("required for action ", name));
        if (sources == 0 && !a.default_value) {
          e.Error(absl::StrCat("action ", name,
                               " needs one of value, from_attribute, from_context or "
                               "default_value"));
        }
        if (sources > 1) {
          e.Error(absl::StrCat("action ", name,
                               " takes only one of value, from_attribute and from_context"));
        }
        if (!pattern.empty()) e.ErrorAt("pattern", absl::StrCat("not used by action ", name));
        if (!converted.empty())
          e.ErrorAt("converted_type", absl::StrCat("not used by action ", name));
        break;
      case ActionType::kDelete:
      case ActionType::kHash:
        if (a.key.empty() && pattern.empty()) {
          e.Error(absl::StrCat("action ", name, " needs key or pattern (or both)"));
        }
        if (has_value || !a.from_attribute.empty()) {
          e.Error(absl::StrCat("action ", name, " does not use value or from_attribute"));
        }
        if (!converted.empty())
          e.ErrorAt("converted_type", absl::StrCat("not used by action ", name));
        break;
      case ActionType::kExtract:
        if (a.key.empty()) e.ErrorAt("key", "required for action extract");
        if (pattern.empty()) {
          e.ErrorAt("pattern", "required for action extract");
        } else if (a.pattern != nullptr) {
          const int groups = a.pattern->NumberOfCapturingGroups();
          if (groups == 0) {
            e.ErrorAt("pattern", "has no named group (?P<name>...) to extract into");
          } else if (static_cast<int>(a.pattern->NamedCapturingGroups().size()) != groups) {
            e.ErrorAt("pattern", "has a group without a name; every group names an attribute");
          }
        }
        if (sources > 0)
          e.Error("action extract does not use value, from_attribute or from_context");
        if (!converted.empty()) e.ErrorAt("converted_type", "not used by action extract");
        break;
      case ActionType::kConvert:
        if (a.key.empty()) e.ErrorAt("key", "required for action convert");
        if (converted == "int") {
          a.converted_type = ConvertTo::kInt;
        } else if (converted == "double") {
          a.converted_type = ConvertTo::kDouble;
        } else if (converted == "string") {
          a.converted_type = ConvertTo::kString;
        } else if (converted.empty()) {
          e.ErrorAt("converted_type", "required for action convert: int, double or string");
        } else {
          e.ErrorAt("converted_type",
                    absl::StrCat("invalid value \"", converted, "\"; use int, double or string"));
        }
        if (sources > 0)
          e.Error("action convert does not use value, from_attribute or from_context");
        if (!pattern.empty()) e.ErrorAt("pattern", "not used by action convert");
        break;
    }
    e.RejectUnknownKeys();
    actions.push_back(std::move(a));
  }
  return actions;
}

bool ApplyActions(const std::vector<AttributeAction>& actions, KeyValues* list,
                  const RequestContext& context) {
  bool changed = false;
  for (const AttributeAction& a : actions) {
    switch (a.type) {
      case ActionType::kInsert: {
        if (Find(list, a.key) != nullptr) break;
        std::optional<otlp::AnyValue> v = Source(a, list, context);
        if (!v) break;
        otlp::KeyValue* kv = list->Add();
        kv->set_key(a.key);
        *kv->mutable_value() = std::move(*v);
        changed = true;
        break;
      }
      case ActionType::kUpdate: {
        otlp::KeyValue* kv = Find(list, a.key);
        if (kv == nullptr) break;
        std::optional<otlp::AnyValue> v = Source(a, list, context);
        if (!v) break;
        *kv->mutable_value() = std::move(*v);
        changed = true;
        break;
      }
      case ActionType::kUpsert: {
        std::optional<otlp::AnyValue> v = Source(a, list, context);
        if (!v) break;
        otlp::KeyValue* kv = Find(list, a.key);
        if (kv == nullptr) {
          kv = list->Add();
          kv->set_key(a.key);
        }
        *kv->mutable_value() = std::move(*v);
        changed = true;
        break;
      }
      case ActionType::kDelete: {
        int write = 0;
        for (int i = 0; i < list->size(); ++i) {
          if (KeyMatches(a, list->Get(i).key())) continue;
          if (write != i) list->SwapElements(write, i);
          ++write;
        }
        if (write < list->size()) {
          list->DeleteSubrange(write, list->size() - write);
          changed = true;
        }
        break;
      }
      case ActionType::kHash:
        for (otlp::KeyValue& kv : *list) {
          if (!KeyMatches(a, kv.key())) continue;
          kv.mutable_value()->set_string_value(HashValue(kv.value()));
          changed = true;
        }
        break;
      case ActionType::kExtract: {
        const otlp::KeyValue* kv = Find(list, a.key);
        if (kv == nullptr || kv->value().value_case() != otlp::AnyValue::kStringValue) break;
        const RE2& re = *a.pattern;
        const int n = re.NumberOfCapturingGroups();
        std::vector<re2::StringPiece> groups(static_cast<size_t>(n) + 1);
        const std::string text = kv->value().string_value();
        if (!re.Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), n + 1)) break;
        for (const auto& [group, index] : re.NamedCapturingGroups()) {
          const re2::StringPiece& m = groups[static_cast<size_t>(index)];
          otlp::KeyValue* out = Find(list, group);
          if (out == nullptr) {
            out = list->Add();
            out->set_key(group);
          }
          out->mutable_value()->set_string_value(std::string(m.data() ? m.data() : "", m.size()));
          changed = true;
        }
        break;
      }
      case ActionType::kConvert: {
        otlp::KeyValue* kv = Find(list, a.key);
        if (kv != nullptr && Convert(kv->mutable_value(), a.converted_type)) changed = true;
        break;
      }
    }
  }
  return changed;
}

WirePlan PlanOnWire(
    const std::vector<AttributeAction>& actions,
    absl::FunctionRef<void(absl::FunctionRef<void(absl::string_view, const AttributeValue&)>)>
        for_each,
    const RequestContext& context) {
  WirePlan plan;
  auto present = [&](absl::string_view key, AttributeValue* value) {
    bool found = false;
    for_each([&](absl::string_view k, const AttributeValue& v) {
      if (!found && k == key) {
        found = true;
        if (value != nullptr) *value = v;
      }
    });
    if (found) return true;
    for (const otlp::KeyValue& kv : plan.inserts)
      if (kv.key() == key) return true;
    return false;
  };
  auto decode = [&] {
    plan.kind = WirePlan::kDecode;
    plan.inserts.clear();
    return plan;
  };
  // A source known without decoding: a constant, the request's context, or the default.
  auto constant_source = [&](const AttributeAction& a, bool* needs_decode) {
    *needs_decode = false;
    std::optional<otlp::AnyValue> out;
    if (a.value) {
      out = a.value;
    } else if (!a.from_attribute.empty()) {
      if (present(a.from_attribute, nullptr)) {
        *needs_decode = true;
        return out;
      }
    } else if (!a.from_context.empty()) {
      if (std::optional<std::string> v = ContextValue(context, a.from_context)) {
        out.emplace();
        out->set_string_value(*v);
      }
    }
    if (!out && a.default_value) out = a.default_value;
    return out;
  };
  for (const AttributeAction& a : actions) {
    bool needs_decode = false;
    switch (a.type) {
      case ActionType::kInsert:
      case ActionType::kUpsert: {
        const bool has = present(a.key, nullptr);
        if (has && a.type == ActionType::kInsert) break;
        std::optional<otlp::AnyValue> v = constant_source(a, &needs_decode);
        if (needs_decode || (v && has)) return decode();
        if (!v) break;
        otlp::KeyValue& kv = plan.inserts.emplace_back();
        kv.set_key(a.key);
        *kv.mutable_value() = std::move(*v);
        plan.kind = WirePlan::kInsert;
        break;
      }
      case ActionType::kUpdate: {
        if (!present(a.key, nullptr)) break;
        std::optional<otlp::AnyValue> v = constant_source(a, &needs_decode);
        if (needs_decode || v) return decode();
        break;
      }
      case ActionType::kDelete:
      case ActionType::kHash: {
        bool hit = false;
        for_each([&](absl::string_view k, const AttributeValue&) {
          if (!hit && KeyMatches(a, k)) hit = true;
        });
        if (!hit) {
          for (const otlp::KeyValue& kv : plan.inserts)
            if (KeyMatches(a, kv.key())) hit = true;
        }
        if (hit) return decode();
        break;
      }
      case ActionType::kExtract: {
        AttributeValue v;
        if (!present(a.key, &v)) break;
        // An inserted value or a string that the pattern matches: decode to extract.
        if (v.type != ValueType::kString ||
            RE2::PartialMatch(re2::StringPiece(v.bytes.data(), v.bytes.size()), *a.pattern)) {
          return decode();
        }
        break;
      }
      case ActionType::kConvert: {
        AttributeValue v;
        if (!present(a.key, &v)) break;
        const bool already =
            (a.converted_type == ConvertTo::kString && v.type == ValueType::kString) ||
            (a.converted_type == ConvertTo::kInt && v.type == ValueType::kInt) ||
            (a.converted_type == ConvertTo::kDouble && v.type == ValueType::kDouble);
        if (!already) return decode();
        break;
      }
    }
  }
  return plan;
}

std::string InsertSpanAttributes(absl::string_view span,
                                 const std::vector<otlp::KeyValue>& inserts) {
  size_t at = span.size();
  otlp::wire::ForEachField(span,
                           [&](uint32_t field, uint32_t, absl::string_view, absl::string_view all) {
                             if (field > 9 && at == span.size())
                               at = static_cast<size_t>(all.data() - span.data());
                           });
  std::string out;
  out.reserve(span.size() + 64 * inserts.size());
  out.append(span.data(), at);
  for (const otlp::KeyValue& kv : inserts) {
    const std::string body = kv.SerializeAsString();
    out.push_back(static_cast<char>((9 << 3) | 2));
    otlp::wire::AppendVarint(body.size(), &out);
    out.append(body);
  }
  out.append(span.data() + at, span.size() - at);
  return out;
}

}  // namespace weir::pipeline::transform
