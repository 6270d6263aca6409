// The include / exclude span matching of otelcol's attributes processor (and the legacy filter
// configs): match properties read from config, tested against a span on the wire.
//
//   include:
//     match_type: strict | regexp
//     services: [..]      # resource service.name; any entry matches
//     span_names: [..]    # any entry matches
//     span_kinds: [SPAN_KIND_SERVER, ..]
//     attributes: [{key: k, value: v}, ..]   # span attributes; all must match (value optional)
//     resources: [{key: k, value: v}, ..]    # resource attributes; all must match
//     libraries: [{name: n, version: v}, ..] # the scope; all must match
//   exclude: { same }
//
// A span is skipped when include is set and does not match, or exclude is set and matches.
// regexp patterns are unanchored (a match anywhere counts), as otelcol's.
//
// Threading: immutable after reading; safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"
#include "pipeline/otlp/types.h"
#include "pipeline/span_view.h"
#include "re2/re2.h"

namespace weir::pipeline::transform {

class MatchProperties {
 public:
  // Reads one include or exclude block, reporting problems at its path.
  static std::optional<MatchProperties> Read(config::Node node);
  bool Matches(const SpanView& span) const;

 private:
  struct Pattern {
    std::string text;
    std::shared_ptr<const RE2> regex;  // regexp only
  };
  struct KeyValueMatch {
    std::string key;
    std::optional<otlp::AnyValue> value;  // nullopt: the key exists
    Pattern pattern;
  };
  struct Library {
    Pattern name;
    std::optional<Pattern> version;
  };

  bool Test(const Pattern& p, absl::string_view text) const;
  bool TestValue(const KeyValueMatch& m, const AttributeValue& v) const;

  bool regexp_ = false;
  std::vector<Pattern> services_, span_names_, span_kinds_;
  std::vector<KeyValueMatch> attributes_, resources_;
  std::vector<Library> libraries_;
};

class SpanMatcher {
 public:
  // Reads `include` and `exclude` of `node`.
  static SpanMatcher Read(config::Node& node);
  bool empty() const { return !include_ && !exclude_; }
  // Whether the processor leaves `span` alone.
  bool Skip(const SpanView& span) const {
    return (include_ && !include_->Matches(span)) || (exclude_ && exclude_->Matches(span));
  }

 private:
  std::optional<MatchProperties> include_, exclude_;
};

}  // namespace weir::pipeline::transform
