#include "pipeline/transform/span_match.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "pipeline/transform/attribute_actions.h"
#include "pipeline/transform/regex.h"

namespace weir::pipeline::transform {

namespace {

constexpr const char* kKindNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                      "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                      "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};

// A value as otelcol's regexp matching reads it; nullopt for maps, arrays and bytes.
std::optional<std::string> MatchText(const AttributeValue& v) {
  switch (v.type) {
    case ValueType::kString:
      return std::string(v.bytes);
    case ValueType::kBool:
      return v.bool_value ? "true" : "false";
    case ValueType::kInt:
      return absl::StrCat(v.int_value);
    case ValueType::kDouble: {
      // Go's FormatFloat(f, 'f', -1, 64): the shortest text without an exponent.
      char buffer[400];
      auto r =
          std::to_chars(buffer, buffer + sizeof(buffer), v.double_value, std::chars_format::fixed);
      return std::string(buffer, r.ptr);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

bool MatchProperties::Test(const Pattern& p, absl::string_view text) const {
  if (!regexp_) return text == p.text;
  return p.regex != nullptr &&
         RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *p.regex);
}

bool MatchProperties::TestValue(const KeyValueMatch& m, const AttributeValue& v) const {
  if (!m.value) return true;
  if (regexp_) {
    std::optional<std::string> text = MatchText(v);
    return text && Test(m.pattern, *text);
  }
  const otlp::AnyValue& want = *m.value;
  switch (want.value_case()) {
    case otlp::AnyValue::kStringValue:
      return v.type == ValueType::kString && v.bytes == want.string_value();
    case otlp::AnyValue::kBoolValue:
      return v.type == ValueType::kBool && v.bool_value == want.bool_value();
    case otlp::AnyValue::kIntValue:
      return v.type == ValueType::kInt && v.int_value == want.int_value();
    case otlp::AnyValue::kDoubleValue:
      return v.type == ValueType::kDouble && v.double_value == want.double_value();
    default:
      return false;
  }
}

std::optional<MatchProperties> MatchProperties::Read(config::Node node) {
  if (!node.IsSet()) return std::nullopt;
  MatchProperties m;
  std::string match_type;
  node.Read("match_type", &match_type);
  config::Node regexp = node.Child("regexp");  // otelcol's cache settings; RE2 needs no cache
  regexp.Child("cacheenabled");
  regexp.Child("cachemaxnumentries");
  regexp.RejectUnknownKeys();
  bool needs_type = false;
  auto patterns = [&](absl::string_view key, std::vector<Pattern>* out) {
    std::vector<std::string> texts;
    if (!node.Read(key, &texts)) return;
    for (const std::string& t : texts) out->push_back(Pattern{t, nullptr});
    if (!texts.empty()) needs_type = true;
  };
  patterns("services", &m.services_);
  patterns("span_names", &m.span_names_);
  patterns("span_kinds", &m.span_kinds_);
  auto key_values = [&](absl::string_view key, std::vector<KeyValueMatch>* out) {
    config::Node list = node.Child(key);
    for (config::Node e : list.Elements()) {
      KeyValueMatch kv;
      if (!e.ReadRequired("key", &kv.key)) {
        e.RejectUnknownKeys();
        continue;
      }
      if (e.Has("value") && e.Child("value").yaml().IsDefined() &&
          !e.Child("value").yaml().IsNull()) {
        kv.value = YamlToAnyValue(e.Child("value").yaml());
        needs_type = true;
        kv.pattern.text = kv.value->string_value();
      }
      e.RejectUnknownKeys();
      out->push_back(std::move(kv));
    }
  };
  key_values("attributes", &m.attributes_);
  key_values("resources", &m.resources_);
  for (config::Node e : node.Child("libraries").Elements()) {
    Library lib;
    e.ReadRequired("name", &lib.name.text);
    std::string version;
    if (e.Has("version")) {
      e.Read("version", &version);
      lib.version = Pattern{version, nullptr};
    }
    e.RejectUnknownKeys();
    m.libraries_.push_back(std::move(lib));
    needs_type = true;
  }
  for (const char* logs_only : {"log_bodies", "log_severity_texts", "log_severity_number"}) {
    if (node.Has(logs_only)) node.ErrorAt(logs_only, "applies to logs, not to spans");
    node.Child(logs_only);
  }
  node.RejectUnknownKeys();

  if (m.services_.empty() && m.span_names_.empty() && m.span_kinds_.empty() &&
      m.attributes_.empty() && m.resources_.empty() && m.libraries_.empty()) {
    node.Error(
        "set at least one of services, span_names, span_kinds, attributes, resources or "
        "libraries");
    return m;
  }
  if (match_type == "regexp") {
    m.regexp_ = true;
  } else if (match_type != "strict" && (needs_type || !match_type.empty())) {
    node.ErrorAt("match_type",
                 match_type.empty() ? "required: strict or regexp" : "must be strict or regexp");
    return m;
  }
  auto compile = [&](absl::string_view key, Pattern* p) {
    if (!m.regexp_) return;
    auto re = std::make_shared<RE2>(p->text, RegexOptions());
    if (!re->ok()) {
      node.ErrorAt(key,
                   absl::StrCat("invalid regular expression \"", p->text, "\": ", re->error()));
      return;
    }
    p->regex = std::move(re);
  };
  for (Pattern& p : m.services_) compile("services", &p);
  for (Pattern& p : m.span_names_) compile("span_names", &p);
  for (Pattern& p : m.span_kinds_) {
    compile("span_kinds", &p);
    if (!m.regexp_) {
      bool known = false;
      for (const char* k : kKindNames) known |= p.text == k;
      if (!known || p.text == kKindNames[0]) {
        node.ErrorAt("span_kinds", absl::StrCat("\"", p.text,
                                                "\" is no span kind; use SPAN_KIND_INTERNAL, "
                                                "SPAN_KIND_SERVER, SPAN_KIND_CLIENT, "
                                                "SPAN_KIND_PRODUCER or SPAN_KIND_CONSUMER"));
      }
    }
  }
  for (const char* key : {"attributes", "resources"}) {
    for (KeyValueMatch& kv : key == std::string("attributes") ? m.attributes_ : m.resources_) {
      if (!kv.value || !m.regexp_) continue;
      if (kv.value->value_case() != otlp::AnyValue::kStringValue) {
        node.ErrorAt(key,
                     absl::StrCat("match_type regexp needs a string value for \"", kv.key, "\""));
        continue;
      }
      compile(key, &kv.pattern);
    }
  }
  for (Library& lib : m.libraries_) {
    compile("libraries", &lib.name);
    if (lib.version) compile("libraries", &*lib.version);
  }
  return m;
}

bool MatchProperties::Matches(const SpanView& span) const {
  if (!services_.empty()) {
    std::optional<AttributeValue> v = span.resource().FindAttribute("service.name");
    std::optional<std::string> text = v ? MatchText(*v) : std::nullopt;
    const std::string name = text ? *text : "<nil-service-name>";
    bool any = false;
    for (const Pattern& p : services_) any = any || Test(p, name);
    if (!any) return false;
  }
  if (!span_names_.empty()) {
    bool any = false;
    for (const Pattern& p : span_names_) any = any || Test(p, span.name());
    if (!any) return false;
  }
  if (!span_kinds_.empty()) {
    const uint32_t kind = span.kind();
    const absl::string_view name = kind < 6 ? kKindNames[kind] : "SPAN_KIND_UNSPECIFIED";
    bool any = false;
    for (const Pattern& p : span_kinds_) any = any || Test(p, name);
    if (!any) return false;
  }
  for (const Library& lib : libraries_) {
    const pipeline::ScopeView scope = span.scope();
    if (!Test(lib.name, scope.name())) return false;
    if (lib.version && !Test(*lib.version, scope.version())) return false;
  }
  for (const KeyValueMatch& kv : resources_) {
    std::optional<AttributeValue> v = span.resource().FindAttribute(kv.key);
    if (!v || !TestValue(kv, *v)) return false;
  }
  for (const KeyValueMatch& kv : attributes_) {
    std::optional<AttributeValue> v = span.FindAttribute(kv.key);
    if (!v || !TestValue(kv, *v)) return false;
  }
  return true;
}

SpanMatcher SpanMatcher::Read(config::Node& node) {
  SpanMatcher m;
  m.include_ = MatchProperties::Read(node.Child("include"));
  m.exclude_ = MatchProperties::Read(node.Child("exclude"));
  return m;
}

}  // namespace weir::pipeline::transform
