// Config of the `tail_sampling` processor: otelcol's keys and defaults, plus weir's
// max_buffered_bytes and record_policy (documented in README.md as weir keys).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/node.h"
#include "pipeline/component.h"
#include "pipeline/ottl/condition.h"

namespace weir::processors::tail_sampling {

// One policy as written in YAML: `name`, `type` and the block named after the type. Only the
// block of `type` is read; and/not/drop/composite hold sub-policies of the same shape.
struct PolicyConfig {
  std::string name;
  std::string type;
  std::string path;  // where it was written (for messages)

  // latency: a trace's duration, from its earliest span start to its latest span end.
  int64_t threshold_ms = 0;        // sampled when duration >= threshold_ms (0: no lower bound)
  int64_t upper_threshold_ms = 0;  // and duration <= upper_threshold_ms (0: no upper bound)

  // status_code: sampled when any span's status is one of these (OK, ERROR, UNSET).
  std::vector<uint32_t> status_codes;

  // string_attribute, numeric_attribute, boolean_attribute, trace_state: the key to read.
  std::string key;
  // string_attribute / trace_state: the values that match.
  std::vector<std::string> values;
  bool enabled_regex_matching = false;  // string_attribute: values are RE2 regexes (searched)
  int64_t cache_max_size = 0;           // string_attribute: regex results remembered (0: none)
  bool invert_match = false;            // string/numeric/boolean_attribute
  // numeric_attribute: inclusive bounds; an absent (or, as otelcol, 0) bound is open.
  bool has_min_value = false, has_max_value = false;
  int64_t min_value = 0, max_value = 0;
  bool bool_value = false;  // boolean_attribute: `value`

  // probabilistic: sampling_percentage (0..100) of trace ids hashed with hash_salt.
  double sampling_percentage = 0;
  std::string hash_salt;

  // span_count: sampled when min_spans <= spans and (max_spans == 0 or spans <= max_spans).
  int64_t min_spans = 0;
  int64_t max_spans = 0;

  // rate_limiting: spans_per_second, token bucket of burst_capacity (default spans_per_second).
  // bytes_limiting: bytes_per_second, burst_capacity (default 2 x bytes_per_second).
  int64_t spans_per_second = 0;
  int64_t bytes_per_second = 0;
  int64_t burst_capacity = 0;

  // and / drop: every sub-policy must sample; not: the one sub-policy, inverted;
  // composite: sub-policies in composite_sub_policy order (policy_order is read, unused, as in
  // otelcol), each with its rate_allocation share of max_total_spans_per_second.
  std::vector<PolicyConfig> sub_policies;
  int64_t max_total_spans_per_second = 0;
  std::vector<std::string> policy_order;
  struct RateAllocation {
    std::string policy;
    int64_t percent = 0;
  };
  std::vector<RateAllocation> rate_allocation;

  // ottl_condition: sampled when a span satisfies any `span` condition or one of its events
  // any `spanevent` condition. A condition that fails to evaluate counts as false (error_mode
  // ignore logs it, silent does not; propagate also counts it false and logs it).
  std::vector<pipeline::ottl::Condition> ottl_span, ottl_spanevent;
  pipeline::ottl::ErrorMode ottl_error_mode = pipeline::ottl::ErrorMode::kIgnore;
};

struct Config : pipeline::ComponentConfig {
  // decision_wait: how long after a trace's first span arrives its decision is made. Default 30s.
  absl::Duration decision_wait = absl::Seconds(30);
  // decision_wait_after_root_received: once the root span (no parent) arrives, decide this
  // long after it if that is earlier. 0 turns it off. Default 0s.
  absl::Duration decision_wait_after_root_received = absl::ZeroDuration();
  // num_traces: most traces pending a decision; beyond it the oldest are decided early on what
  // has arrived. Default 50000.
  int64_t num_traces = 50000;
  // expected_new_traces_per_sec: sizes the tables up front. Default 0.
  int64_t expected_new_traces_per_sec = 0;
  // sample_on_first_match: stop evaluating at the first policy that samples. Default false.
  bool sample_on_first_match = false;
  // drop_pending_traces_on_shutdown: at shutdown drop pending traces instead of deciding them.
  // Default false.
  bool drop_pending_traces_on_shutdown = false;
  // maximum_trace_size_bytes: a trace whose spans pass this size is decided (not sampled) at
  // once, and its later spans follow. 0: no limit. Default 0.
  int64_t maximum_trace_size_bytes = 0;
  // decision_cache.sampled_cache_size / non_sampled_cache_size: trace ids whose decision is
  // remembered, so late spans follow their trace. -1 (absent): weir sizes each from num_traces
  // (num_traces each); 0 turns the cache off (otelcol's default).
  int64_t sampled_cache_size = -1;
  int64_t non_sampled_cache_size = -1;
  // max_buffered_bytes (weir): most bytes of spans held pending; beyond it the oldest traces
  // are decided early. 0 (default): half the service memory budget.
  int64_t max_buffered_bytes = 0;
  // record_policy (weir; otelcol's recordpolicy feature gate): kept spans get the attribute
  // `tailsampling.policy` naming the policy that sampled them. Default false.
  bool record_policy = false;
  // explain (weir): each decision (every policy's vote) is kept in the process-wide table the
  // admin extension answers "why was this trace kept or dropped?" from. Default true.
  bool explain = true;
  // policies: at least one.
  std::vector<PolicyConfig> policies;

  size_t SampledCacheSize() const;
  size_t NonSampledCacheSize() const;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::processors::tail_sampling
