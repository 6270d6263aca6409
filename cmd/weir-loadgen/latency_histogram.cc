#include "cmd/weir-loadgen/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace weir::loadgen {

int LatencyHistogram::BucketOf(uint64_t value) {
  if (value < 64) return static_cast<int>(value);
  const int exponent = 63 - std::countl_zero(value);  // >= 6
  const int shift = exponent - kSubBucketBits;
  return shift * 32 + static_cast<int>(value >> shift);  // top 6 bits are in [32, 64)
}

uint64_t LatencyHistogram::BucketLow(int bucket) {
  if (bucket < 64) return static_cast<uint64_t>(bucket);
  const int shift = bucket / 32 - 1;
  return static_cast<uint64_t>(bucket % 32 + 32) << shift;
}

uint64_t LatencyHistogram::BucketHigh(int bucket) {
  if (bucket < 64) return static_cast<uint64_t>(bucket);
  const int shift = bucket / 32 - 1;
  return BucketLow(bucket) + ((uint64_t{1} << shift) - 1);
}

void LatencyHistogram::Record(uint64_t value) {
  ++counts_[static_cast<size_t>(BucketOf(value))];
  ++count_;
  max_ = std::max(max_, value);
}

uint64_t LatencyHistogram::Quantile(double quantile) const {
  if (count_ == 0) return 0;
  const double clamped = std::clamp(quantile, 0.0, 1.0);
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(clamped * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[static_cast<size_t>(b)];
    if (seen >= rank) {
      const uint64_t low = BucketLow(b);
      const uint64_t middle = low + (BucketHigh(b) - low) / 2;
      return std::min(middle, max_);
    }
  }
  return max_;
}

}  // namespace weir::loadgen
