#include "exporters/helper/retry_policy.h"

#include <algorithm>

namespace weir::exporters::helper {

absl::Duration RetryPolicy::Interval(int failed_attempts) const {
  // Grown step by step rather than with pow() so the clamp applies exactly as it would between
  // attempts (the first interval is initial_interval even when that exceeds max_interval).
  absl::Duration interval = config_.initial_interval;
  for (int n = 1; n < failed_attempts; ++n) {
    interval = std::min(interval * config_.multiplier, config_.max_interval);
    if (interval == config_.max_interval && config_.multiplier >= 1) break;
  }
  return interval;
}

std::optional<absl::Duration> RetryPolicy::NextDelay(
    int failed_attempts, absl::Duration elapsed, absl::FunctionRef<double()> uniform,
    std::optional<absl::Duration> requested) const {
  if (!config_.enabled) return std::nullopt;
  // Jitter spreads the retries of many exporters: wait interval × [1 - f, 1 + f].
  double spread = config_.randomization_factor * (2 * uniform() - 1);
  absl::Duration delay = Interval(failed_attempts) * (1 + spread);
  if (requested) delay = std::max(delay, *requested);
  if (config_.max_elapsed_time > absl::ZeroDuration() &&
      elapsed + delay > config_.max_elapsed_time) {
    return std::nullopt;
  }
  return delay;
}

}  // namespace weir::exporters::helper
