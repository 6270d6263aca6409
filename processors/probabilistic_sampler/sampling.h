// The arithmetic of consistent probability sampling, as OpenTelemetry specifies it for W3C
// trace context (the `ot` member of tracestate: `th` the rejection threshold, `rv` explicit
// randomness, both 56-bit values written as up to 14 hex digits) and as otelcol's
// probabilistic_sampler computes it, including its legacy hash_seed mode.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace weir::processors::probabilistic_sampler {

// 2^56: thresholds and randomness are in [0, 2^56).
inline constexpr uint64_t kMaxAdjustedCount = uint64_t{1} << 56;

// The threshold that samples `probability` (in [2^-56, 1]) of all randomness values, rounded to
// `precision` significant hex digits (1..14; more when the probability is very small or very
// close to 1, as OpenTelemetry's reference code does). Sampled when randomness >= threshold.
absl::StatusOr<uint64_t> ProbabilityToThreshold(double probability, int precision);

// The sampling probability a threshold stands for: 1 - t / 2^56.
double ThresholdToProbability(uint64_t threshold);

// `th` as tracestate writes it: 14 hex digits, lower case, trailing zeros removed ("0" for 0).
std::string EncodeThreshold(uint64_t threshold);
// Parses a `th` value (1..14 hex digits, as the top digits of the 56-bit value).
std::optional<uint64_t> ParseThreshold(absl::string_view text);
// `rv` values are exactly 14 hex digits.
std::optional<uint64_t> ParseRandomness(absl::string_view text);
std::string EncodeRandomness(uint64_t randomness);

// The randomness of a trace id: its last 7 bytes, big-endian. nullopt for an id that is not 16
// bytes or is all zero.
std::optional<uint64_t> TraceIdRandomness(absl::string_view trace_id);

// The `ot` member of a W3C tracestate, split: its `rv`, its `th`, the other `key:value` pairs in
// order, and the tracestate's other members in order.
struct OtTraceState {
  std::optional<std::string> rv;
  std::optional<std::string> th;
  std::vector<std::string> other_ot;  // "key:value"
  std::vector<std::string> others;    // whole "vendor=value" members
};
// InvalidArgument when the `ot` member is malformed.
absl::StatusOr<OtTraceState> ParseTraceState(absl::string_view tracestate);
// Writes the tracestate back: `ot=rv:..;th:..;other` first (a modified member moves to the
// front, as W3C asks), then the other members. No `ot` member when it would be empty.
std::string FormatTraceState(const OtTraceState& state);

// otelcol's legacy hash_seed mode: FNV-1a 32 of the seed (4 bytes, little-endian) then the
// trace id; the low 14 bits are the bucket.
uint32_t HashSeedHash(uint32_t seed, absl::string_view trace_id);
// Buckets (of 16384) that sample `percentage`: float32(percentage) * float32(163.84), truncated.
uint32_t HashSeedScaledPercentage(float percentage);
// The threshold and the randomness hash_seed mode writes to tracestate for a hash and a
// scaled percentage (consistent with "sampled when bucket < scaled").
uint64_t HashSeedThreshold(uint32_t scaled);
uint64_t HashSeedRandomness(uint32_t hash);

}  // namespace weir::processors::probabilistic_sampler
