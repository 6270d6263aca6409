// RetryPolicy: otelcol's exponential backoff with jitter, as a pure function. Given how many
// attempts have failed, how long ago the first one started and a uniform random number, it
// says how long to wait before the next attempt, or that the batch should be given up. It
// never sleeps and reads no clock; the caller measures time and waits.
//
// The wait after the n-th failure is interval(n) × (1 + f × (2u - 1)), where f is
// randomization_factor, u is uniform in [0, 1), interval(1) = initial_interval and
// interval(n + 1) = min(interval(n) × multiplier, max_interval). When the destination asked
// for a delay (gRPC RetryInfo, HTTP Retry-After), the wait is the larger of that delay and the
// jittered interval, as otelcol's throttle errors do: the backoff keeps growing, and a server
// can slow retries down but never speed them up past the schedule. The policy gives up when
// retries are disabled or when the next attempt would start more than max_elapsed_time after
// the first one (a max_elapsed_time of 0 never gives up).
//
// Threading: immutable after construction; safe to share between threads.
#pragma once

#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "config/blocks.h"

namespace weir::exporters::helper {

class RetryPolicy {
 public:
  explicit RetryPolicy(const config::RetryConfig& config) : config_(config) {}

  // The interval before jitter after `failed_attempts` failures. REQUIRES: failed_attempts >= 1.
  absl::Duration Interval(int failed_attempts) const;

  // The wait before the next attempt, after `failed_attempts` failures (>= 1) and `elapsed`
  // since the first attempt started; std::nullopt to give up. `requested` is the delay the
  // destination asked for with the last failure, if any. `uniform` returns a number in [0, 1)
  // and is called exactly once when retries are enabled.
  std::optional<absl::Duration> NextDelay(
      int failed_attempts, absl::Duration elapsed, absl::FunctionRef<double()> uniform,
      std::optional<absl::Duration> requested = std::nullopt) const;

 private:
  config::RetryConfig config_;
};

}  // namespace weir::exporters::helper
