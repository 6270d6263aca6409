#include "processors/tail_sampling/config.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"

namespace weir::processors::tail_sampling {

namespace {

// Sub-policies may nest (a composite of ands); this bounds how deep.
constexpr int kMaxPolicyDepth = 4;

const std::vector<std::string>& KnownTypes() {
  static const std::vector<std::string> kTypes = {"always_sample",
                                                  "latency",
                                                  "numeric_attribute",
                                                  "probabilistic",
                                                  "status_code",
                                                  "string_attribute",
                                                  "rate_limiting",
                                                  "bytes_limiting",
                                                  "span_count",
                                                  "boolean_attribute",
                                                  "trace_state",
                                                  "trace_flags",
                                                  "and",
                                                  "not",
                                                  "drop",
                                                  "composite",
                                                  "ottl_condition"};
  return kTypes;
}

bool ReadPositive(config::Node& node, absl::string_view key, int64_t* out, bool required) {
  bool read = required ? node.ReadRequired(key, out) : node.Read(key, out);
  if (read && *out <= 0) {
    node.ErrorAt(key, "must be greater than 0");
    return false;
  }
  return read;
}

void DecodePolicy(config::Node node, int depth, PolicyConfig* p);

void DecodeSubPolicies(config::Node parent, absl::string_view key, int depth, PolicyConfig* p) {
  config::Node list = parent.Child(key);
  if (!list.IsSet()) {
    parent.ErrorAt(key, "required: at least one sub-policy");
    return;
  }
  if (!list.IsSequence()) {
    parent.ErrorAt(key, "expected a list of policies");
    return;
  }
  for (config::Node element : list.Elements()) {
    PolicyConfig& sub = p->sub_policies.emplace_back();
    DecodePolicy(element, depth + 1, &sub);
  }
  if (p->sub_policies.empty()) parent.ErrorAt(key, "required: at least one sub-policy");
}

void DecodeLeaf(config::Node& b, PolicyConfig* p) {
  const std::string& t = p->type;
  if (t == "latency") {
    bool lower = b.Read("threshold_ms", &p->threshold_ms);
    bool upper = b.Read("upper_threshold_ms", &p->upper_threshold_ms);
    if (p->threshold_ms < 0) b.ErrorAt("threshold_ms", "must not be negative");
    if (p->upper_threshold_ms < 0) b.ErrorAt("upper_threshold_ms", "must not be negative");
    if (!lower && !upper) b.Error("set threshold_ms, upper_threshold_ms or both");
    if (p->upper_threshold_ms > 0 && p->upper_threshold_ms < p->threshold_ms)
      b.ErrorAt("upper_threshold_ms", "must be greater than or equal to threshold_ms");
  } else if (t == "status_code") {
    std::vector<std::string> codes;
    if (b.ReadRequired("status_codes", &codes)) {
      for (const std::string& c : codes) {
        if (c == "UNSET") {
          p->status_codes.push_back(0);
        } else if (c == "OK") {
          p->status_codes.push_back(1);
        } else if (c == "ERROR") {
          p->status_codes.push_back(2);
        } else {
          b.ErrorAt("status_codes",
                    absl::StrCat("unknown status code \"", c, "\" (expected OK, ERROR or UNSET)"));
        }
      }
    }
  } else if (t == "string_attribute") {
    b.ReadRequired("key", &p->key);
    b.ReadRequired("values", &p->values);
    b.Read("enabled_regex_matching", &p->enabled_regex_matching);
    if (b.Read("cache_max_size", &p->cache_max_size) && p->cache_max_size < 0)
      b.ErrorAt("cache_max_size", "must not be negative");
    b.Read("invert_match", &p->invert_match);
    if (p->enabled_regex_matching) {
      for (const std::string& v : p->values) {
        RE2 re(v, RE2::Quiet);
        if (!re.ok())
          b.ErrorAt("values", absl::StrCat("invalid regular expression \"", v, "\": ", re.error()));
      }
    }
  } else if (t == "numeric_attribute") {
    b.ReadRequired("key", &p->key);
    // As otelcol: 0 leaves a bound open.
    p->has_min_value = b.Read("min_value", &p->min_value) && p->min_value != 0;
    p->has_max_value = b.Read("max_value", &p->max_value) && p->max_value != 0;
    b.Read("invert_match", &p->invert_match);
    if (!p->has_min_value && !p->has_max_value)
      b.Error("set min_value, max_value or both (0 leaves a bound open)");
    if (p->has_min_value && p->has_max_value && p->max_value < p->min_value)
      b.ErrorAt("max_value", "must be greater than or equal to min_value");
  } else if (t == "boolean_attribute") {
    b.ReadRequired("key", &p->key);
    if (!b.Has("value")) b.ErrorAt("value", "required");
    b.Read("value", &p->bool_value);
    b.Read("invert_match", &p->invert_match);
  } else if (t == "probabilistic") {
    if (b.Read("sampling_percentage", &p->sampling_percentage) &&
        (p->sampling_percentage < 0 || p->sampling_percentage > 100)) {
      b.ErrorAt("sampling_percentage", "must be between 0 and 100");
    }
    b.Read("hash_salt", &p->hash_salt);
  } else if (t == "trace_state") {
    b.ReadRequired("key", &p->key);
    b.ReadRequired("values", &p->values);
  } else if (t == "span_count") {
    b.Read("min_spans", &p->min_spans);
    b.Read("max_spans", &p->max_spans);
    if (p->min_spans < 0) b.ErrorAt("min_spans", "must not be negative");
    if (p->max_spans < 0) b.ErrorAt("max_spans", "must not be negative");
    if (p->max_spans > 0 && p->max_spans < p->min_spans)
      b.ErrorAt("max_spans", "must be greater than or equal to min_spans");
  } else if (t == "rate_limiting") {
    ReadPositive(b, "spans_per_second", &p->spans_per_second, true);
    ReadPositive(b, "burst_capacity", &p->burst_capacity, false);
  } else if (t == "bytes_limiting") {
    ReadPositive(b, "bytes_per_second", &p->bytes_per_second, true);
    ReadPositive(b, "burst_capacity", &p->burst_capacity, false);
  }
}

void DecodePolicy(config::Node node, int depth, PolicyConfig* p) {
  p->path = node.path();
  if (!node.IsMap()) {
    node.Error("expected a policy: a mapping with name and type");
    return;
  }
  node.ReadRequired("name", &p->name);
  if (!node.ReadRequired("type", &p->type)) {
    node.RejectUnknownKeys();
    return;
  }
  const auto& known = KnownTypes();
  if (std::find(known.begin(), known.end(), p->type) == known.end()) {
    node.ErrorAt("type", absl::StrCat("unknown policy type \"", p->type,
                                      "\"; known types: ", absl::StrJoin(known, ", ")));
    node.RejectUnknownKeys();
    return;
  }
  if (p->type == "ottl_condition") {
    config::Node block = node.Child("ottl_condition");
    std::string mode;
    if (block.Read("error_mode", &mode) && !mode.empty()) {
      if (mode == "ignore") {
        p->ottl_error_mode = pipeline::ottl::ErrorMode::kIgnore;
      } else if (mode == "silent") {
        p->ottl_error_mode = pipeline::ottl::ErrorMode::kSilent;
      } else if (mode == "propagate") {
        p->ottl_error_mode = pipeline::ottl::ErrorMode::kPropagate;
      } else {
        block.ErrorAt("error_mode", "must be ignore, silent or propagate");
      }
    }
    auto read = [&](absl::string_view key, pipeline::ottl::Context context,
                    std::vector<pipeline::ottl::Condition>* out) {
      std::vector<std::string> texts;
      if (!block.Read(key, &texts)) return;
      for (size_t i = 0; i < texts.size(); ++i) {
        auto c = pipeline::ottl::Condition::Parse(texts[i], context);
        if (!c.ok()) {
          block.ErrorAt(
              key, absl::StrCat("[", i, "] of policy \"", p->name, "\": ", c.status().message()));
        } else {
          out->push_back(std::move(*c));
        }
      }
    };
    read("span", pipeline::ottl::Context::kSpan, &p->ottl_span);
    read("spanevent", pipeline::ottl::Context::kSpanEvent, &p->ottl_spanevent);
    if (!block.IsSet()) {
      node.ErrorAt("ottl_condition", "required for a policy of type ottl_condition");
    } else if (!block.Has("span") && !block.Has("spanevent")) {
      block.Error(absl::StrCat("policy \"", p->name, "\" needs span or spanevent conditions"));
    }
    block.RejectUnknownKeys();
    node.RejectUnknownKeys();
    return;
  }
  const bool composite_kind =
      p->type == "and" || p->type == "not" || p->type == "drop" || p->type == "composite";
  if (composite_kind && depth >= kMaxPolicyDepth) {
    node.ErrorAt("type", absl::StrCat("policies nest at most ", kMaxPolicyDepth, " deep"));
    node.RejectUnknownKeys();
    return;
  }
  if (p->type == "always_sample" || p->type == "trace_flags") {
    node.RejectUnknownKeys();
    return;
  }
  config::Node block = node.Child(p->type);
  if (p->type == "and") {
    DecodeSubPolicies(block, "and_sub_policy", depth, p);
  } else if (p->type == "drop") {
    DecodeSubPolicies(block, "drop_sub_policy", depth, p);
  } else if (p->type == "not") {
    config::Node sub = block.Child("not_sub_policy");
    if (!sub.IsSet()) {
      block.ErrorAt("not_sub_policy", "required");
    } else {
      DecodePolicy(sub, depth + 1, &p->sub_policies.emplace_back());
    }
  } else if (p->type == "composite") {
    ReadPositive(block, "max_total_spans_per_second", &p->max_total_spans_per_second, true);
    // Read for compatibility; as in otelcol, sub-policies run in composite_sub_policy order.
    block.Read("policy_order", &p->policy_order);
    DecodeSubPolicies(block, "composite_sub_policy", depth, p);
    for (config::Node a : block.Child("rate_allocation").Elements()) {
      PolicyConfig::RateAllocation& r = p->rate_allocation.emplace_back();
      a.ReadRequired("policy", &r.policy);
      if (a.Read("percent", &r.percent) && (r.percent < 0 || r.percent > 100))
        a.ErrorAt("percent", "must be between 0 (an equal share) and 100");
      a.RejectUnknownKeys();
    }
    std::set<std::string> names;
    for (const PolicyConfig& sub : p->sub_policies) names.insert(sub.name);
    int64_t total = 0;
    for (const auto& r : p->rate_allocation) {
      total += r.percent;
      if (!r.policy.empty() && !names.count(r.policy))
        block.ErrorAt("rate_allocation",
                      absl::StrCat("names \"", r.policy, "\", which is no composite_sub_policy"));
    }
    if (total > 100) block.ErrorAt("rate_allocation", "percentages add up to more than 100");
  } else {
    if (!block.IsSet()) {
      node.ErrorAt(p->type, absl::StrCat("required for a policy of type ", p->type));
    } else {
      DecodeLeaf(block, p);
    }
  }
  block.RejectUnknownKeys();
  node.RejectUnknownKeys();
}

}  // namespace

size_t Config::SampledCacheSize() const {
  if (sampled_cache_size >= 0) return static_cast<size_t>(sampled_cache_size);
  return static_cast<size_t>(num_traces);
}

size_t Config::NonSampledCacheSize() const {
  if (non_sampled_cache_size >= 0) return static_cast<size_t>(non_sampled_cache_size);
  return static_cast<size_t>(num_traces);
}

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (node.Read("decision_wait", &cfg->decision_wait) &&
      cfg->decision_wait <= absl::ZeroDuration()) {
    node.ErrorAt("decision_wait", "must be greater than 0");
  }
  node.Read("decision_wait_after_root_received", &cfg->decision_wait_after_root_received);
  if (node.Read("num_traces", &cfg->num_traces) &&
      (cfg->num_traces <= 0 || cfg->num_traces > (int64_t{1} << 32))) {
    node.ErrorAt("num_traces", "must be between 1 and 4294967296");
  }
  if (node.Read("expected_new_traces_per_sec", &cfg->expected_new_traces_per_sec) &&
      cfg->expected_new_traces_per_sec < 0) {
    node.ErrorAt("expected_new_traces_per_sec", "must not be negative");
  }
  node.Read("sample_on_first_match", &cfg->sample_on_first_match);
  node.Read("drop_pending_traces_on_shutdown", &cfg->drop_pending_traces_on_shutdown);
  if (node.Read("maximum_trace_size_bytes", &cfg->maximum_trace_size_bytes) &&
      cfg->maximum_trace_size_bytes < 0) {
    node.ErrorAt("maximum_trace_size_bytes", "must not be negative");
  }
  std::string strategy;
  if (node.Read("sampling_strategy", &strategy) && strategy != "trace-complete") {
    node.ErrorAt("sampling_strategy",
                 strategy == "span-ingest"
                     ? "span-ingest is not supported by weir; use trace-complete (the default)"
                     : "must be trace-complete");
  }
  config::Node cache = node.Child("decision_cache");
  if (cache.Read("sampled_cache_size", &cfg->sampled_cache_size) && cfg->sampled_cache_size < 0)
    cache.ErrorAt("sampled_cache_size", "must not be negative");
  if (cache.Read("non_sampled_cache_size", &cfg->non_sampled_cache_size) &&
      cfg->non_sampled_cache_size < 0)
    cache.ErrorAt("non_sampled_cache_size", "must not be negative");
  cache.RejectUnknownKeys();
  if (node.Read("max_buffered_bytes", &cfg->max_buffered_bytes) && cfg->max_buffered_bytes < 0)
    node.ErrorAt("max_buffered_bytes", "must not be negative (0: half the memory budget)");
  node.Read("record_policy", &cfg->record_policy);
  node.Read("explain", &cfg->explain);

  config::Node policies = node.Child("policies");
  if (!policies.IsSet()) {
    node.ErrorAt("policies", "required: at least one policy");
  } else if (!policies.IsSequence()) {
    node.ErrorAt("policies", "expected a list of policies");
  } else {
    for (config::Node element : policies.Elements())
      DecodePolicy(element, 0, &cfg->policies.emplace_back());
    if (cfg->policies.empty()) node.ErrorAt("policies", "required: at least one policy");
    std::set<std::string> names;
    for (const PolicyConfig& p : cfg->policies) {
      if (!p.name.empty() && !names.insert(p.name).second)
        policies.Error(absl::StrCat("two policies are named \"", p.name, "\""));
    }
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::tail_sampling
