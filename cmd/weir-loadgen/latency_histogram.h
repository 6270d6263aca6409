// LatencyHistogram: a fixed-size log-linear histogram of non-negative integer samples
// (weir-loadgen records request latencies in microseconds).
//
// Values below 64 have a bucket each; above, every power of two is split into 32 buckets, so
// a quantile is off by at most ~3% of its value. The maximum is kept exactly. Memory is fixed
// (1920 counters) whatever the number of samples.
//
// Threading: thread-compatible.
#pragma once

#include <array>
#include <cstdint>

namespace weir::loadgen {

class LatencyHistogram {
 public:
  void Record(uint64_t value);

  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }

  // The smallest recorded value v such that at least `quantile` of all samples are <= v, as
  // the middle of its bucket (never above max()). 0 when empty. REQUIRES: 0 <= quantile <= 1.
  uint64_t Quantile(double quantile) const;

 private:
  static constexpr int kSubBucketBits = 5;  // 32 buckets per power of two
  static constexpr int kBuckets = (64 - kSubBucketBits - 1) * 32 + 64;

  static int BucketOf(uint64_t value);
  static uint64_t BucketLow(int bucket);
  static uint64_t BucketHigh(int bucket);  // inclusive

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace weir::loadgen
