#include "processors/tail_sampling/policy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "pipeline/telemetry/logger.h"
#include "re2/re2.h"

namespace weir::processors::tail_sampling {

namespace {

using pipeline::AttributeValue;
using pipeline::SpanView;
using pipeline::ValueType;
using TimePoint = pipeline::Clock::TimePoint;

// True when pred holds for the attribute `key` of some span's resource or of some span.
// Resources are read once per resource, not once per span.
// `pred(value, on_resource)`.
bool AnyResourceOrSpanAttribute(const TraceView& trace, absl::string_view key,
                                absl::FunctionRef<bool(const AttributeValue&, bool)> pred) {
  uintptr_t last_resource = 0;
  return trace.AnySpan([&](const SpanView& span) {
    pipeline::ResourceView resource = span.resource();
    if (resource.id() != last_resource) {
      last_resource = resource.id();
      if (auto v = resource.FindAttribute(key); v && pred(*v, true)) return true;
    }
    auto v = span.FindAttribute(key);
    return v && pred(*v, false);
  });
}

Decision Vote(bool matched, bool invert) {
  return matched != invert ? Decision::kSampled : Decision::kNotSampled;
}

// otelcol reads attribute values with pcommon's typed accessors, which answer a zero value
// (0, "", false) for an attribute of another type; the filters compare that zero value.
int64_t IntOrZero(const AttributeValue& v) { return v.type == ValueType::kInt ? v.int_value : 0; }
bool BoolOrFalse(const AttributeValue& v) { return v.type == ValueType::kBool && v.bool_value; }
absl::string_view StrOrEmpty(const AttributeValue& v) {
  return v.type == ValueType::kString ? v.bytes : absl::string_view();
}

class AlwaysSample final : public Policy {
 public:
  Decision Evaluate(const TraceView&, TimePoint) override { return Decision::kSampled; }
};

// otelcol's latency test, exactly: spans in arrival order with a running earliest start and
// latest end (a zero time counts as unset); sampled as soon as the duration so far, in whole
// milliseconds, is >= threshold_ms (no upper bound) or in (threshold_ms, upper_threshold_ms].
class Latency final : public Policy {
 public:
  explicit Latency(const PolicyConfig& c)
      : lower_ms_(c.threshold_ms), upper_ms_(c.upper_threshold_ms) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    uint64_t start = 0, end = 0;
    bool sampled = t.AnySpan([&](const SpanView& s) {
      const uint64_t s_start = s.start_time_unix_nano(), s_end = s.end_time_unix_nano();
      if (s_start != 0 && (start == 0 || s_start < start)) start = s_start;
      if (s_end != 0 && (end == 0 || s_end > end)) end = s_end;
      // Go's Duration arithmetic on int64 nanoseconds, truncated to milliseconds.
      const int64_t ms = (static_cast<int64_t>(end) - static_cast<int64_t>(start)) / 1'000'000;
      if (upper_ms_ == 0) return ms >= lower_ms_;
      return lower_ms_ < ms && ms <= upper_ms_;
    });
    return sampled ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  int64_t lower_ms_, upper_ms_;
};

class StatusCode final : public Policy {
 public:
  explicit StatusCode(const PolicyConfig& c) : codes_(c.status_codes) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    bool matched = t.AnySpan([&](const SpanView& s) {
      return std::find(codes_.begin(), codes_.end(), s.status_code()) != codes_.end();
    });
    return matched ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::vector<uint32_t> codes_;
};

class StringAttribute final : public Policy {
 public:
  explicit StringAttribute(const PolicyConfig& c)
      : key_(c.key), invert_(c.invert_match), cache_max_(static_cast<size_t>(c.cache_max_size)) {
    if (c.enabled_regex_matching) {
      for (const std::string& v : c.values) regexes_.push_back(std::make_unique<RE2>(v));
    } else {
      values_.insert(c.values.begin(), c.values.end());
    }
  }
  Decision Evaluate(const TraceView& t, TimePoint) override {
    bool matched = AnyResourceOrSpanAttribute(t, key_, [&](const AttributeValue& v, bool resource) {
      absl::string_view s = StrOrEmpty(v);
      // otelcol tests a resource's value even when empty, a span's only when not.
      return (resource || !s.empty()) && Matches(s);
    });
    return Vote(matched, invert_);
  }

 private:
  bool Matches(absl::string_view value) {
    if (regexes_.empty()) return !value.empty() && values_.contains(value);
    if (cache_max_ > 0) {
      if (auto it = cache_.find(value); it != cache_.end()) return it->second;
    }
    bool matched = std::any_of(regexes_.begin(), regexes_.end(), [&](const auto& re) {
      return RE2::PartialMatch(re2::StringPiece(value.data(), value.size()), *re);
    });
    if (cache_max_ > 0) {
      if (cache_.size() >= cache_max_) cache_.clear();
      cache_.emplace(value, matched);
    }
    return matched;
  }

  std::string key_;
  bool invert_;
  absl::flat_hash_set<std::string> values_;
  std::vector<std::unique_ptr<RE2>> regexes_;
  size_t cache_max_;
  absl::flat_hash_map<std::string, bool> cache_;
};

class NumericAttribute final : public Policy {
 public:
  explicit NumericAttribute(const PolicyConfig& c)
      : key_(c.key),
        min_(c.has_min_value ? c.min_value : INT64_MIN),
        max_(c.has_max_value ? c.max_value : INT64_MAX),
        invert_(c.invert_match) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    bool matched = AnyResourceOrSpanAttribute(t, key_, [&](const AttributeValue& v, bool) {
      const int64_t n = IntOrZero(v);
      return n >= min_ && n <= max_;
    });
    return Vote(matched, invert_);
  }

 private:
  std::string key_;
  int64_t min_, max_;
  bool invert_;
};

class BooleanAttribute final : public Policy {
 public:
  explicit BooleanAttribute(const PolicyConfig& c)
      : key_(c.key), value_(c.bool_value), invert_(c.invert_match) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    bool matched = AnyResourceOrSpanAttribute(
        t, key_, [&](const AttributeValue& v, bool) { return BoolOrFalse(v) == value_; });
    return Vote(matched, invert_);
  }

 private:
  std::string key_;
  bool value_;
  bool invert_;
};

class OttlCondition final : public Policy {
 public:
  explicit OttlCondition(const PolicyConfig& c)
      : name_(c.name), span_(c.ottl_span), event_(c.ottl_spanevent), mode_(c.ottl_error_mode) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    auto holds = [&](const pipeline::ottl::Condition& c, const SpanView& s,
                     const pipeline::ottl::EventView* e) {
      absl::StatusOr<bool> r = c.Evaluate(s, e);
      if (r.ok()) return *r;
      if (mode_ != pipeline::ottl::ErrorMode::kSilent) {
        const int64_t now = absl::ToUnixSeconds(absl::Now());
        if (now != last_log_second_) {
          last_log_second_ = now;
          log::Warn("processor/tail_sampling",
                    "policy %s: condition `%s` failed, counted as false: %s", name_, c.text(),
                    r.status().message());
        }
      }
      return false;
    };
    bool matched = t.AnySpan([&](const SpanView& s) {
      for (const auto& c : span_)
        if (holds(c, s, nullptr)) return true;
      if (event_.empty()) return false;
      bool any = false;
      s.ForEachEvent([&](absl::string_view name, uint64_t time, absl::string_view body) {
        if (any) return;
        const pipeline::ottl::EventView e{name, time, body};
        for (const auto& c : event_)
          if (holds(c, s, &e)) any = true;
      });
      return any;
    });
    return matched ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::string name_;
  std::vector<pipeline::ottl::Condition> span_, event_;
  pipeline::ottl::ErrorMode mode_;
  int64_t last_log_second_ = 0;  // policies run under the processor's lock
};

class Probabilistic final : public Policy {
 public:
  explicit Probabilistic(const PolicyConfig& c)
      : salt_(c.hash_salt.empty() ? "default-hash-seed" : c.hash_salt),
        threshold_(ProbabilisticThreshold(c.sampling_percentage)) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    return ProbabilisticHash(salt_, t.trace_id()) <= threshold_ ? Decision::kSampled
                                                                : Decision::kNotSampled;
  }

 private:
  std::string salt_;
  uint64_t threshold_;
};

class TraceState final : public Policy {
 public:
  explicit TraceState(const PolicyConfig& c)
      : key_(c.key), values_(c.values.begin(), c.values.end()) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    bool matched = t.AnySpan([&](const SpanView& s) {
      // W3C tracestate: comma-separated list members "key=value", optional whitespace.
      for (absl::string_view member : absl::StrSplit(s.trace_state(), ',')) {
        member = absl::StripAsciiWhitespace(member);
        size_t eq = member.find('=');
        if (eq == absl::string_view::npos || member.substr(0, eq) != key_) continue;
        return values_.contains(member.substr(eq + 1));
      }
      return false;
    });
    return matched ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  std::string key_;
  absl::flat_hash_set<std::string> values_;
};

class TraceFlags final : public Policy {
 public:
  Decision Evaluate(const TraceView& t, TimePoint) override {
    bool sampled = t.AnySpan([](const SpanView& s) { return (s.flags() & 0x1) != 0; });
    return sampled ? Decision::kSampled : Decision::kNotSampled;
  }
};

class SpanCount final : public Policy {
 public:
  explicit SpanCount(const PolicyConfig& c)
      : min_(static_cast<size_t>(c.min_spans)), max_(static_cast<size_t>(c.max_spans)) {}
  Decision Evaluate(const TraceView& t, TimePoint) override {
    size_t n = t.span_count();
    bool sampled = n >= min_ && (max_ == 0 || n <= max_);
    return sampled ? Decision::kSampled : Decision::kNotSampled;
  }

 private:
  size_t min_, max_;
};

// A token bucket refilled at `rate` per second up to `burst`; a trace is sampled when the
// bucket holds its cost (spans or bytes), which is then taken.
class TokenBucket final : public Policy {
 public:
  enum class Cost { kSpans, kBytes };
  TokenBucket(Cost cost, double rate, double burst)
      : cost_(cost), rate_(rate), burst_(burst), tokens_(burst) {}
  Decision Evaluate(const TraceView& t, TimePoint now) override {
    if (started_) {
      double elapsed = std::chrono::duration<double>(now - last_).count();
      if (elapsed > 0) tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    }
    started_ = true;
    last_ = std::max(last_, now);
    const double cost = static_cast<double>(cost_ == Cost::kSpans ? t.span_count() : t.byte_size());
    if (cost <= tokens_) {
      tokens_ -= cost;
      return Decision::kSampled;
    }
    return Decision::kNotSampled;
  }

 private:
  Cost cost_;
  double rate_, burst_, tokens_;
  bool started_ = false;
  TimePoint last_{};
};

class And final : public Policy {
 public:
  explicit And(std::vector<std::unique_ptr<Policy>> subs, bool drop)
      : subs_(std::move(subs)), drop_(drop) {}
  Decision Evaluate(const TraceView& t, TimePoint now) override {
    for (auto& sub : subs_) {
      Decision d = sub->Evaluate(t, now);
      if (d != Decision::kSampled) return Decision::kNotSampled;
    }
    return drop_ ? Decision::kDropped : Decision::kSampled;
  }

 private:
  std::vector<std::unique_ptr<Policy>> subs_;
  bool drop_;
};

class Not final : public Policy {
 public:
  explicit Not(std::unique_ptr<Policy> sub) : sub_(std::move(sub)) {}
  Decision Evaluate(const TraceView& t, TimePoint now) override {
    switch (sub_->Evaluate(t, now)) {
      case Decision::kSampled:
        return Decision::kNotSampled;
      case Decision::kNotSampled:
        return Decision::kSampled;
      default:
        return Decision::kDropped;  // passes through, as otelcol's
    }
  }

 private:
  std::unique_ptr<Policy> sub_;
};

// otelcol's composite: sub-policies in policy_order, each sampling at most its share of
// max_total_spans_per_second in the current second; the first that votes to sample decides.
class Composite final : public Policy {
 public:
  struct Sub {
    std::unique_ptr<Policy> policy;
    int64_t allocated = 0;  // spans per second
    int64_t used = 0;       // spans sampled in the current second
  };
  Composite(std::vector<Sub> subs, int64_t max_total)
      : subs_(std::move(subs)), max_total_(max_total) {}
  Decision Evaluate(const TraceView& t, TimePoint now) override {
    const int64_t second =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (second != current_second_) {
      current_second_ = second;
      for (Sub& s : subs_) s.used = 0;
    }
    const int64_t spans = static_cast<int64_t>(t.span_count());
    for (Sub& s : subs_) {
      Decision d = s.policy->Evaluate(t, now);
      if (d != Decision::kSampled) continue;
      if (s.used + spans <= s.allocated && s.used + spans <= max_total_) {
        s.used += spans;
        return Decision::kSampled;
      }
      return Decision::kNotSampled;
    }
    return Decision::kNotSampled;
  }

 private:
  std::vector<Sub> subs_;
  int64_t max_total_;
  int64_t current_second_ = INT64_MIN;
};

// As otelcol: sub-policies run in composite_sub_policy order (policy_order is read but not
// used); a sub-policy gets percent% of max_total_spans_per_second, an equal share when its
// percent is 0, and nothing when rate_allocation does not name it.
std::unique_ptr<Policy> BuildComposite(const PolicyConfig& c) {
  const double total = static_cast<double>(c.max_total_spans_per_second);
  const double share = total / static_cast<double>(std::max<size_t>(1, c.sub_policies.size()));
  std::vector<Composite::Sub> subs;
  for (const PolicyConfig& sub : c.sub_policies) {
    Composite::Sub& s = subs.emplace_back();
    s.policy = BuildPolicy(sub);
    for (const auto& r : c.rate_allocation) {
      if (r.policy != sub.name) continue;
      s.allocated = r.percent > 0
                        ? static_cast<int64_t>(static_cast<double>(r.percent) / 100 * total)
                        : static_cast<int64_t>(share);
    }
  }
  return std::make_unique<Composite>(std::move(subs), c.max_total_spans_per_second);
}

}  // namespace

absl::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kNotSampled:
      return "not_sampled";
    case Decision::kSampled:
      return "sampled";
    case Decision::kDropped:
      return "dropped";
  }
  return "unknown";
}

std::unique_ptr<Policy> BuildPolicy(const PolicyConfig& c) {
  const std::string& t = c.type;
  if (t == "always_sample") return std::make_unique<AlwaysSample>();
  if (t == "latency") return std::make_unique<Latency>(c);
  if (t == "status_code") return std::make_unique<StatusCode>(c);
  if (t == "string_attribute") return std::make_unique<StringAttribute>(c);
  if (t == "numeric_attribute") return std::make_unique<NumericAttribute>(c);
  if (t == "boolean_attribute") return std::make_unique<BooleanAttribute>(c);
  if (t == "probabilistic") return std::make_unique<Probabilistic>(c);
  if (t == "ottl_condition") return std::make_unique<OttlCondition>(c);
  if (t == "trace_state") return std::make_unique<TraceState>(c);
  if (t == "trace_flags") return std::make_unique<TraceFlags>();
  if (t == "span_count") return std::make_unique<SpanCount>(c);
  if (t == "rate_limiting") {
    double rate = static_cast<double>(c.spans_per_second);
    double burst = c.burst_capacity > 0 ? static_cast<double>(c.burst_capacity) : 2 * rate;
    return std::make_unique<TokenBucket>(TokenBucket::Cost::kSpans, rate, burst);
  }
  if (t == "bytes_limiting") {
    double rate = static_cast<double>(c.bytes_per_second);
    double burst = c.burst_capacity > 0 ? static_cast<double>(c.burst_capacity) : 2 * rate;
    return std::make_unique<TokenBucket>(TokenBucket::Cost::kBytes, rate, burst);
  }
  if (t == "and" || t == "drop") {
    std::vector<std::unique_ptr<Policy>> subs;
    for (const PolicyConfig& sub : c.sub_policies) subs.push_back(BuildPolicy(sub));
    return std::make_unique<And>(std::move(subs), t == "drop");
  }
  if (t == "not") return std::make_unique<Not>(BuildPolicy(c.sub_policies.at(0)));
  if (t == "composite") return BuildComposite(c);
  // DecodeConfig refuses every other type; a policy that never samples is the safe answer.
  class Never final : public Policy {
    Decision Evaluate(const TraceView&, TimePoint) override { return Decision::kNotSampled; }
  };
  return std::make_unique<Never>();
}

bool Combine(const std::vector<Decision>& votes) {
  bool sampled = false;
  for (Decision d : votes) {
    if (d == Decision::kDropped) return false;
    if (d == Decision::kSampled) sampled = true;
  }
  return sampled;
}

uint64_t ProbabilisticHash(absl::string_view salt, absl::string_view trace_id) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  auto mix = [&h](absl::string_view bytes) {
    for (unsigned char b : bytes) {
      h ^= b;
      h *= 1099511628211ull;  // FNV 64 prime
    }
  };
  mix(salt);
  mix(trace_id);
  return h;
}

uint64_t ProbabilisticThreshold(double percentage) {
  // otelcol: big.Float(MaxUint64) * big.Float(percentage / 100), at the wider operand's
  // precision (64 bits, round half to even), truncated to an integer. Reproduced exactly.
  const double ratio = percentage / 100;
  if (!(ratio > 0)) return 0;
  if (ratio >= 1) return UINT64_MAX;
  int exp = 0;
  const double mantissa = std::frexp(ratio, &exp);  // ratio = mantissa * 2^exp, 0.5 <= m < 1
  const uint64_t m = static_cast<uint64_t>(std::ldexp(mantissa, 53));    // exact, 53 bits
  const int e = exp - 53;                                                // ratio = m * 2^e
  unsigned __int128 n = static_cast<unsigned __int128>(UINT64_MAX) * m;  // product = n * 2^e
  int bits = 0;
  for (unsigned __int128 v = n; v != 0; v >>= 1) ++bits;
  if (bits > 64) {
    const int drop = bits - 64;
    const unsigned __int128 unit = static_cast<unsigned __int128>(1) << drop;
    const unsigned __int128 rem = n & (unit - 1);
    n -= rem;
    const unsigned __int128 half = unit >> 1;
    if (rem > half || (rem == half && ((n >> drop) & 1) != 0)) n += unit;
  }
  // e < 0 here (ratio < 1): the integer part is n >> -e.
  const int shift = -e;
  if (shift >= 128) return 0;
  unsigned __int128 value = n >> shift;
  return value > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(value);
}

}  // namespace weir::processors::tail_sampling
