// Sampling policies: each looks at a whole trace and votes. The processor combines the votes
// of its top-level policies into the trace's decision (Combine, below), as otelcol does.
//
// Threading: a Policy may keep state (rate limiters, regex caches); the processor evaluates
// its policies under one lock, so implementations are not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/clock.h"
#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/trace.h"

namespace weir::processors::tail_sampling {

// A policy's vote. invert_match negates a filter's vote and, as in current otelcol, has no
// power of veto over other policies.
enum class Decision : uint8_t {
  kNotSampled,
  kSampled,
  kDropped,  // a `drop` policy matched: not sampled, whatever the others say
};

absl::string_view DecisionName(Decision d);

class Policy {
 public:
  virtual ~Policy() = default;
  // The vote on `trace` at `now` (rate limiters count per second of `now`).
  virtual Decision Evaluate(const TraceView& trace, pipeline::Clock::TimePoint now) = 0;
};

// Builds the policy `config` describes. REQUIRES: config passed DecodeConfig.
std::unique_ptr<Policy> BuildPolicy(const PolicyConfig& config);

// The trace's decision from the votes of the top-level policies, in otelcol's order: any
// kDropped → not sampled; else any kSampled → sampled; else not sampled.
bool Combine(const std::vector<Decision>& votes);

// otelcol's probabilistic policy: FNV-1a 64 of hash_salt then the trace id bytes, sampled when
// the hash is at most the threshold for `percentage`. Exposed for tests.
uint64_t ProbabilisticHash(absl::string_view salt, absl::string_view trace_id);
uint64_t ProbabilisticThreshold(double percentage);

}  // namespace weir::processors::tail_sampling
