// The redaction rules of one processor, compiled: what happens to one attribute (key and value
// text) and to one name. The same decision serves the wire check (does this span need to
// change?) and the edit of the decoded span, so both agree by construction.
//
// Order for an attribute, as otelcol's:
//   1. ignored_keys / ignored_key_patterns: left as it is;
//   2. not in allowed_keys (unless allow_all_keys): removed;
//   3. value matches allowed_values: left as it is;
//   4. key matches blocked_key_patterns: the whole value masked;
//   5. every match of each blocked_values pattern, in config order, masked; then the URL
//      sanitizer (listed keys) and the database sanitizer (listed keys, by db.system).
// Masking writes "****", or the hex digest of the masked text with hash_function. A masked
// value becomes a string whatever its type was.
//
// Threading: immutable after Build; safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pipeline/transform/regex.h"
#include "processors/redaction/config.h"

namespace weir::processors::redaction {

enum class Verdict : uint8_t { kKeep, kIgnore, kRemove, kAllow, kMask };

// Rule ids, for the per-rule counters: kRuleAllowedKeys, then one per blocked key pattern,
// one per blocked value pattern, then the URL and the database sanitizer.
inline constexpr int kRuleAllowedKeys = 0;

struct Change {
  Verdict verdict = Verdict::kKeep;
  std::string value;       // kMask: the new text
  std::vector<int> rules;  // kRemove, kMask: the rules that fired
};

class Rules {
 public:
  static absl::StatusOr<std::unique_ptr<Rules>> Build(const Config& config);

  const Config& config() const { return config_; }

  // What happens to the attribute `key` whose value reads as `text` in a list whose database
  // system is `db_system` (lower case; empty when none). `values_may_match` false says that
  // ValuesMayMatch was false for the text of every value around this one: blocked_values are
  // then not run, and allowed_values only before a change (an unchanged value comes back as
  // kKeep, not kAllow).
  Change Evaluate(absl::string_view key, absl::string_view text, absl::string_view db_system,
                  bool values_may_match = true) const;

  // Whether any blocked_values pattern may match one of the values whose texts `joined` holds,
  // each followed by '\n'. False means none does. Always true when the patterns cannot be
  // tested joined.
  bool ValuesMayMatch(absl::string_view joined) const;
  // Whether blocked_values can be tested joined (ValuesMayMatch is not always true).
  bool HasPrefilter() const { return prefilter_complete_; }
  // Whether no rule looks at keys or span names: every key is allowed, none ignored or blocked,
  // no sanitizer. Then only blocked_values (and allowed_values) can change a span.
  bool KeyRulesTrivial() const { return key_rules_trivial_; }

  // Whether `key` would be removed (for keys the sanitizers look at, e.g. db.system).
  bool Removes(absl::string_view key) const;
  // Whether any database sanitizer looks at attributes, i.e. a list's db.system matters.
  bool NeedsDbSystem() const { return !db_any_keys_.empty(); }

  // A name or message under redact_names: left alone when it matches allowed_values,
  // otherwise every blocked_values match masked. nullopt when nothing changes; the rules
  // that fired are added to *rules.
  std::optional<std::string> RedactText(absl::string_view text, std::vector<int>* rules) const;

  // otelcol's span-name sanitizing: the URL sanitizer for client and server spans (`kind`
  // as OTLP numbers it) that carry an HTTP attribute or a "/" in the name, else the database
  // sanitizer for client, server and internal spans of a known db.system. nullopt when
  // nothing changes.
  std::optional<std::string> SanitizeSpanName(absl::string_view name, uint32_t kind,
                                              bool has_http_attribute, absl::string_view db_system,
                                              std::vector<int>* rules) const;

  // "****", or the digest of `text` with hash_function.
  std::string Mask(absl::string_view text) const;

  // The label of rule `id` in metrics ("allowed_keys", "blocked_values[2]", …).
  const std::vector<std::string>& rule_names() const { return rule_names_; }

  // The attribute keys that carry an HTTP request (for SanitizeSpanName's condition).
  static bool IsHttpAttribute(absl::string_view key);

 private:
  explicit Rules(const Config& config) : config_(config) {}
  bool IsIgnored(absl::string_view key) const;
  int BlockedKeyRule(size_t i) const { return 1 + static_cast<int>(i); }
  int BlockedValueRule(size_t i) const {
    return 1 + static_cast<int>(config_.blocked_key_patterns.size() + i);
  }
  int UrlRule() const { return BlockedValueRule(config_.blocked_values.size()); }
  int DbRule() const { return UrlRule() + 1; }
  // Masks every blocked_values match of `text` into *out; returns whether any did.
  bool MaskBlockedValues(absl::string_view text, std::string* out, std::vector<int>* rules) const;
  // The database sanitizer for attribute `key` under `db_system`; nullopt when none applies.
  std::optional<std::string> SanitizeDbAttribute(absl::string_view key, absl::string_view text,
                                                 absl::string_view db_system) const;

  const Config config_;
  absl::flat_hash_set<std::string> allowed_keys_, ignored_keys_, url_keys_;
  absl::flat_hash_set<std::string> db_keys_[kDbFamilies];
  absl::flat_hash_set<std::string> db_any_keys_;  // the union of db_keys_
  pipeline::transform::RegexList ignored_key_patterns_, blocked_key_patterns_, blocked_values_,
      allowed_values_;
  pipeline::transform::RegexList prefilter_;  // blocked_values in (?m), for joined values
  bool prefilter_complete_ = false;
  bool key_rules_trivial_ = false;
  std::vector<std::string> rule_names_;
};

}  // namespace weir::processors::redaction
