#include "processors/redaction/rules.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "processors/redaction/db_sanitizer.h"
#include "processors/redaction/url_sanitizer.h"

namespace weir::processors::redaction {

namespace {

// The summary attributes otelcol writes, which a fail-closed allow list must not remove.
constexpr const char* kSummaryKeys[] = {
    "redaction.redacted.keys",      "redaction.redacted.count",     "redaction.masked.keys",
    "redaction.masked.count",       "redaction.allowed.keys",       "redaction.allowed.count",
    "redaction.ignored.count",      "redaction.body.redacted.keys", "redaction.body.redacted.count",
    "redaction.body.masked.keys",   "redaction.body.masked.count",  "redaction.body.allowed.keys",
    "redaction.body.allowed.count", "redaction.body.ignored.count",
};

}  // namespace

absl::StatusOr<std::unique_ptr<Rules>> Rules::Build(const Config& config) {
  std::unique_ptr<Rules> r(new Rules(config));
  r->allowed_keys_.insert(config.allowed_keys.begin(), config.allowed_keys.end());
  for (const char* key : kSummaryKeys) r->allowed_keys_.insert(key);
  r->ignored_keys_.insert(config.ignored_keys.begin(), config.ignored_keys.end());
  if (config.url_enabled)
    r->url_keys_.insert(config.url_attributes.begin(), config.url_attributes.end());
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
  // The span prefilter: every blocked_values pattern in multi-line mode, run once over a span's
  // values joined by '\n'. A value that matches a pattern alone also matches inside the joined
  // text: '\n' is no word character (\b, \B behave as at the ends of a value) and (?m) lets ^
  // and $ match at every value's ends. Absolute anchors (\A, \z) and patterns that turn
  // multi-line mode off cannot be joined; with one of those every value is checked alone.
  std::vector<std::string> joined;
  r->prefilter_complete_ = !config.blocked_values.empty();
  for (const std::string& p : config.blocked_values) {
    if (absl::StrContains(p, "\\A") || absl::StrContains(p, "\\z") || absl::StrContains(p, "-m") ||
        absl::StrContains(p, "\\C")) {
      r->prefilter_complete_ = false;
    }
    joined.push_back(absl::StrCat("(?m)(?:", p, ")"));
  }
  if (r->prefilter_complete_) {
    auto compiled = pipeline::transform::RegexList::Compile(joined);
    if (compiled.ok()) {
      r->prefilter_ = std::move(*compiled);
    } else {
      r->prefilter_complete_ = false;
    }
  }
  r->key_rules_trivial_ =
      config.allow_all_keys && config.ignored_keys.empty() && config.ignored_key_patterns.empty() &&
      config.blocked_key_patterns.empty() && !config.url_enabled && !config.AnyDbSanitizer();
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

bool Rules::IsIgnored(absl::string_view key) const {
  // An empty set still hashes the key; most configs ignore nothing.
  return (!ignored_keys_.empty() && ignored_keys_.contains(key)) ||
         ignored_key_patterns_.MatchesAny(key);
}

bool Rules::Removes(absl::string_view key) const {
  if (IsIgnored(key)) return false;
  return !config_.allow_all_keys && !allowed_keys_.contains(key);
}

bool Rules::MaskBlockedValues(absl::string_view text, std::string* out,
                              std::vector<int>* rules) const {
  // The patterns that match the original text; a later pattern can also match what an earlier
  // one wrote, so once the text changed every later pattern runs.
  if (!blocked_values_.MatchesAny(text)) return false;
  const std::vector<int> matching = blocked_values_.Matching(text);
  std::string current(text);
  bool changed = false;
  size_t next = 0;
  for (size_t i = 0; i < blocked_values_.size(); ++i) {
    const bool listed = next < matching.size() && matching[next] == static_cast<int>(i);
    if (listed) ++next;
    if (!listed && !changed) continue;
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

std::optional<std::string> Rules::SanitizeDbAttribute(absl::string_view key, absl::string_view text,
                                                      absl::string_view db_system) const {
  if (db_system.empty()) return std::nullopt;
  for (int i = 0; i < kDbFamilies; ++i) {
    const DbFamily family = static_cast<DbFamily>(i);
    if (!db_keys_[i].contains(key) || !SystemBelongsTo(db_system, family)) continue;
    return Obfuscate(family, text);
  }
  return std::nullopt;
}

Change Rules::Evaluate(absl::string_view key, absl::string_view text, absl::string_view db_system,
                       bool values_may_match) const {
  Change c;
  if (IsIgnored(key)) {
    c.verdict = Verdict::kIgnore;
    return c;
  }
  if (!config_.allow_all_keys && !allowed_keys_.contains(key)) {
    c.verdict = Verdict::kRemove;
    c.rules.push_back(kRuleAllowedKeys);
    return c;
  }
  // Without values_may_match, allowed_values is consulted only before a change: the outcome is
  // the same, only an unchanged value is reported as kept rather than allowed.
  if (values_may_match && allowed_values_.MatchesAny(text)) {
    c.verdict = Verdict::kAllow;
    return c;
  }
  auto allowed_late = [&] {
    if (values_may_match || !allowed_values_.MatchesAny(text)) return false;
    c = Change();
    c.verdict = Verdict::kAllow;
    return true;
  };
  if (!blocked_key_patterns_.empty()) {
    std::vector<int> keys = blocked_key_patterns_.Matching(key);
    if (!keys.empty()) {
      if (allowed_late()) return c;
      c.verdict = Verdict::kMask;
      c.value = Mask(text);
      c.rules.push_back(BlockedKeyRule(static_cast<size_t>(keys.front())));
      return c;
    }
  }
  std::string current;
  bool changed = values_may_match && MaskBlockedValues(text, &current, &c.rules);
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
    if (allowed_late()) return c;
    c.verdict = Verdict::kMask;
    c.value = std::move(current);
  } else {
    c.rules.clear();
  }
  return c;
}

bool Rules::ValuesMayMatch(absl::string_view joined) const {
  return !prefilter_complete_ || prefilter_.MatchesAny(joined);
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
