// Regular expressions as otelcol's processors use them: Go's RE2 syntax, unanchored (a match
// anywhere in the text counts), and Go's replace-all semantics. A RegexList tests many
// patterns in one pass (RE2::Set) and replaces matches pattern by pattern, in config order.
//
// Threading: immutable after construction; safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/node.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace weir::pipeline::transform {

// The options every pattern is compiled with: UTF-8, errors not logged by RE2 itself.
RE2::Options RegexOptions();

// Reads the list of patterns under `key`, reporting every pattern that does not compile as
// "<key>[i]: invalid regular expression \"...\": <why>". Returns whether the key was set.
bool ReadRegexList(config::Node& node, absl::string_view key, std::vector<std::string>* out);

class RegexList {
 public:
  // REQUIRES: every pattern compiles (ReadRegexList checked it); otherwise InvalidArgument.
  static absl::StatusOr<RegexList> Compile(const std::vector<std::string>& patterns);
  RegexList() = default;
  RegexList(RegexList&&) = default;
  RegexList& operator=(RegexList&&) = default;

  bool empty() const { return patterns_.empty(); }
  size_t size() const { return patterns_.size(); }
  const RE2& pattern(size_t i) const { return *patterns_[i]; }

  // Whether any pattern matches somewhere in `text`.
  bool MatchesAny(absl::string_view text) const;
  // The patterns that match somewhere in `text`, ascending.
  std::vector<int> Matching(absl::string_view text) const;

 private:
  std::vector<std::unique_ptr<RE2>> patterns_;
  std::unique_ptr<RE2::Set> set_;
};

// Replaces every match of `re` in `text` by replace(match), with Go's ReplaceAllStringFunc
// semantics (an empty match right after a previous match is not replaced). Returns nullopt
// when nothing matched.
std::optional<std::string> ReplaceAll(const RE2& re, absl::string_view text,
                                      absl::FunctionRef<std::string(absl::string_view)> replace);

}  // namespace weir::pipeline::transform
