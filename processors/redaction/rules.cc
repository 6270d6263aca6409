#include "processors/redaction/rules.h"

#include "absl/strings/str_cat.h"
#include "processors/redaction/db_sanitizer.h"
#include "processors/redaction/url_sanitizer.h"

namespace weir::processors::redaction {

namespace {

// The summary attributes otelcol writes, which a fail-closed allow list must not remove.
constexpr const char* kSummaryKeys[] = {
    "redaction.redacted.keys",      "redaction.redacted.count",      "redaction.masked.keys",
    "redaction.masked.count",       "redaction.allowed.keys",        "redaction.allowed.count",
    "redaction.ignored.count",      "redaction.body.redacted.keys",  "redaction.body.redacted.count",
    "redaction.body.masked.keys",   "redaction.body.masked.count",   "redaction.body.allowed.keys",
    "redaction.body.allowed.count", "redaction.body.ignored.count",
};

}  // namespace

absl::StatusOr<std::unique_ptr<Rules>> Rules::Build(const Config& config) {
  std::unique_ptr<Rules> r(new Rules(config));
  r->allowed_keys_.insert(config.allowed_keys.begin(), config.allowed_keys.end());
  for (const char* key : kSummaryKeys) r->allowed_keys_.insert(key);
  r->ignored_keys_.insert(config.ignored_keys.begin(), config.ignored_keys.end());
  if (config.url_enabled) r->url_keys_.insert(config.url_attributes.begin(), config.url_attributes.end());
  for (int i = 0; i < kDbFamilies; ++i) {
    const DbFamily family = static_cast<DbFamily>(i);
    // As otelcol: the search-engine sanitizers apply to span names only, never to attributes.
    if (!config.db[i].enabled || family == DbFamily::kOpenSearch ||
        family == DbFamily::kElasticsearch) {
      continue;
    }
    r->db_keys_[i].insert(config.db[i].attributes.begin(), config.db[i].attributes.end());
    r->db_any_keys_.insert(config.db[i].attributes.begin(), config.db[i].attributes.end());
  }
  struct {
    const std::vector<std::string>* patterns;
    pipeline::transform::RegexList* list;
    const char* key;
  } lists[] = {
      {&config.ignored_key_patterns, &r->ignored_key_patterns_, "ignored_key_patterns"},
      {&config.blocked_key_patterns, &r->blocked_key_patterns_, "blocked_key_patterns"},
      {&config.blocked_values, &r->blocked_values_, "blocked_values"},
      {&config.allowed_values, &r->allowed_values_, "allowed_values"},
  };
  for (auto& l : lists) {
    auto compiled = pipeline::transform::RegexList::Compile(*l.patterns);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(l.key, ": ", compiled.status().message()));
    }
    *l.list = std::move(*compiled);
  }
  r->rule_names_.push_back("allowed_keys");
  for (size_t i = 0; i < config.blocked_key_patterns.size(); ++i)
    r->rule_names_.push_back(absl::StrCat("blocked_key_patterns[", i, "]"));
  for (size_t i = 0; i < config.blocked_values.size(); ++i)
    r->rule_names_.push_back(absl::StrCat("blocked_values[", i, "]"));
  r->rule_names_.push_back("url_sanitizer");
  r->rule_names_.push_back("db_sanitizer");
  return r;
}

std::string Rules::Mask(absl::string_view text) const {
  if (!config_.hash_function) return "****";
  return pipeline::transform::HexDigest(*config_.hash_function, text, config_.hmac_key);
}

bool Rules::Removes(absl::string_view key) const {
  if (ignored_keys_.contains(key) || ignored_key_patterns_.MatchesAny(key)) return false;
  return !config_.allow_all_keys && !allowed_keys_.contains(key);
}

bool Rules::MaskBlockedValues(absl::string_view text, std::string* out,
                              std::vector<int>* rules) const {
  // No pattern matches the original: none can fire (a later one could only match what an
  // earlier one wrote).
  if (!blocked_values_.MatchesAny(text)) return false;
  std::string current(text);
  bool changed = false;
  for (size_t i = 0; i < blocked_values_.size(); ++i) {
    std::optional<std::string> replaced = pipeline::transform::ReplaceAll(
        blocked_values_.pattern(i), current, [this](absl::string_view m) { return Mask(m); });
    if (!replaced) continue;
    if (*replaced != current) {
      current = std::move(*replaced);
      changed = true;
    }
    rules->push_back(BlockedValueRule(i));
  }
  if (changed) *out = std::move(current);
  return changed;
}

std::optional<std::string> Rules::SanitizeDbAttribute(absl::string_view key,
                                                      absl::string_view text,
                                                      absl::string_view db_system) const {
  if (db_system.empty()) return std::nullopt;
  for (int i = 0; i < kDbFamilies; ++i) {
    const DbFamily family = static_cast<DbFamily>(i);
    if (!db_keys_[i].contains(key) || !SystemBelongsTo(db_system, family)) continue;
    return Obfuscate(family, text);
  }
  return std::nullopt;
}

Change Rules::Evaluate(absl::string_view key, absl::string_view text,
                       absl::string_view db_system) const {
  Change c;
  if (ignored_keys_.contains(key) || ignored_key_patterns_.MatchesAny(key)) {
    c.verdict = Verdict::kIgnore;
    return c;
  }
  if (!config_.allow_all_keys && !allowed_keys_.contains(key)) {
    c.verdict = Verdict::kRemove;
    c.rules.push_back(kRuleAllowedKeys);
    return c;
  }
  if (allowed_values_.MatchesAny(text)) {
    c.verdict = Verdict::kAllow;
    return c;
  }
  if (!blocked_key_patterns_.empty()) {
    std::vector<int> keys = blocked_key_patterns_.Matching(key);
    if (!keys.empty()) {
      c.verdict = Verdict::kMask;
      c.value = Mask(text);
      c.rules.push_back(BlockedKeyRule(static_cast<size_t>(keys.front())));
      return c;
    }
  }
  std::string current;
  bool changed = MaskBlockedValues(text, &current, &c.rules);
  const bool url = !url_keys_.empty() && url_keys_.contains(key);
  const bool db = !db_system.empty() && db_any_keys_.contains(key);
  if (url || db) {
    if (!changed) current.assign(text.data(), text.size());
    if (url && !current.empty()) {
      std::string sanitized = SanitizeUrl(current);
      if (sanitized != current) {
        current = std::move(sanitized);
        changed = true;
        c.rules.push_back(UrlRule());
      }
    }
    if (std::optional<std::string> obfuscated =
            db ? SanitizeDbAttribute(key, current, db_system) : std::nullopt;
        obfuscated && *obfuscated != current) {
      current = std::move(*obfuscated);
      changed = true;
      c.rules.push_back(DbRule());
    }
  }
  if (changed) {
    c.verdict = Verdict::kMask;
    c.value = std::move(current);
  } else {
    c.rules.clear();
  }
  return c;
}

std::optional<std::string> Rules::RedactText(absl::string_view text,
                                             std::vector<int>* rules) const {
  if (allowed_values_.MatchesAny(text)) return std::nullopt;
  std::string out;
  if (!MaskBlockedValues(text, &out, rules)) return std::nullopt;
  return out;
}

bool Rules::IsHttpAttribute(absl::string_view key) {
  return key == "http.route" || key == "http.request.method" ||
         key == "http.request.method_original" || key == "http.response.status_code" ||
         key == "url.full" || key == "http.scheme" || key == "http.target" ||
         key == "http.method" || key == "http.url";
}

std::optional<std::string> Rules::SanitizeSpanName(absl::string_view name, uint32_t kind,
                                                   bool has_http_attribute,
                                                   absl::string_view db_system,
                                                   std::vector<int>* rules) const {
  constexpr uint32_t kInternal = 1, kServer = 2, kClient = 3;
  if (allowed_values_.MatchesAny(name)) return std::nullopt;
  if (config_.url_enabled && config_.url_span_name && (kind == kServer || kind == kClient) &&
      (has_http_attribute || name.find('/') != absl::string_view::npos)) {
    std::string sanitized = SanitizeUrl(name);
    // A name left as nothing but "*" says nothing; otelcol keeps the original then.
    if (sanitized != name && !IsFullyRedacted(sanitized)) {
      rules->push_back(UrlRule());
      return sanitized;
    }
  }
  if (config_.AnyDbSanitizer() && config_.db_span_name && !db_system.empty() &&
      (kind == kServer || kind == kClient || kind == kInternal)) {
    for (int i = 0; i < kDbFamilies; ++i) {
      const DbFamily family = static_cast<DbFamily>(i);
      if (!config_.db[i].enabled || !SystemBelongsTo(db_system, family)) continue;
      std::string obfuscated = Obfuscate(family, name);
      if (obfuscated.empty() || obfuscated == "..." || obfuscated == name) return std::nullopt;
      rules->push_back(DbRule());
      return obfuscated;
    }
  }
  return std::nullopt;
}

}  // namespace weir::processors::redaction
