#include "exporters/helper/retry_policy.h"

#include <optional>

#include "gtest/gtest.h"

namespace weir::exporters::helper {
namespace {

config::RetryConfig Config() {
  config::RetryConfig c;
  c.initial_interval = absl::Seconds(1);
  c.randomization_factor = 0.5;
  c.multiplier = 2;
  c.max_interval = absl::Seconds(10);
  c.max_elapsed_time = absl::Seconds(60);
  return c;
}

// uniform() == 0.5 means no jitter at all.
double Middle() { return 0.5; }
double Lowest() { return 0.0; }
double Highest() { return 1.0; }  // the open end of [0, 1), as a bound

TEST(RetryPolicy, IntervalGrowsByTheMultiplierUpToTheMaximum) {
  RetryPolicy p(Config());
  EXPECT_EQ(p.Interval(1), absl::Seconds(1));
  EXPECT_EQ(p.Interval(2), absl::Seconds(2));
  EXPECT_EQ(p.Interval(3), absl::Seconds(4));
  EXPECT_EQ(p.Interval(4), absl::Seconds(8));
  EXPECT_EQ(p.Interval(5), absl::Seconds(10));
  EXPECT_EQ(p.Interval(1000), absl::Seconds(10));
}

TEST(RetryPolicy, FirstIntervalIsTheInitialOneEvenAboveTheMaximum) {
  config::RetryConfig c = Config();
  c.initial_interval = absl::Seconds(20);
  RetryPolicy p(c);
  EXPECT_EQ(p.Interval(1), absl::Seconds(20));
  EXPECT_EQ(p.Interval(2), absl::Seconds(10));
}

TEST(RetryPolicy, JitterSpreadsTheDelayByTheRandomizationFactor) {
  RetryPolicy p(Config());
  EXPECT_EQ(p.NextDelay(2, absl::ZeroDuration(), Middle), absl::Seconds(2));
  EXPECT_EQ(p.NextDelay(2, absl::ZeroDuration(), Lowest), absl::Seconds(1));
  EXPECT_EQ(p.NextDelay(2, absl::ZeroDuration(), Highest), absl::Seconds(3));
}

TEST(RetryPolicy, NoJitterWithAZeroFactor) {
  config::RetryConfig c = Config();
  c.randomization_factor = 0;
  RetryPolicy p(c);
  EXPECT_EQ(p.NextDelay(3, absl::ZeroDuration(), Lowest), absl::Seconds(4));
  EXPECT_EQ(p.NextDelay(3, absl::ZeroDuration(), Highest), absl::Seconds(4));
}

TEST(RetryPolicy, GivesUpWhenTheNextAttemptWouldStartPastMaxElapsedTime) {
  RetryPolicy p(Config());
  // 55s elapsed + 4s wait = 59s: still in time.
  EXPECT_EQ(p.NextDelay(3, absl::Seconds(55), Middle), absl::Seconds(4));
  // 57s elapsed + 4s wait = 61s: too late.
  EXPECT_EQ(p.NextDelay(3, absl::Seconds(57), Middle), std::nullopt);
  // The jittered delay is what counts: 57s + 2s = 59s.
  EXPECT_EQ(p.NextDelay(3, absl::Seconds(57), Lowest), absl::Seconds(2));
}

TEST(RetryPolicy, ZeroMaxElapsedTimeNeverGivesUp) {
  config::RetryConfig c = Config();
  c.max_elapsed_time = absl::ZeroDuration();
  RetryPolicy p(c);
  EXPECT_EQ(p.NextDelay(50, absl::Hours(1000), Middle), absl::Seconds(10));
}

TEST(RetryPolicy, DisabledGivesUpAtOnceWithoutDrawing) {
  config::RetryConfig c = Config();
  c.enabled = false;
  RetryPolicy p(c);
  int draws = 0;
  EXPECT_EQ(p.NextDelay(1, absl::ZeroDuration(),
                        [&] {
                          ++draws;
                          return 0.5;
                        }),
            std::nullopt);
  EXPECT_EQ(draws, 0);
}

TEST(RetryPolicy, DrawsOneRandomNumberPerDecision) {
  RetryPolicy p(Config());
  int draws = 0;
  auto counted = [&] {
    ++draws;
    return 0.25;  // spread = 0.5 * (2 * 0.25 - 1) = -0.25
  };
  EXPECT_EQ(p.NextDelay(1, absl::ZeroDuration(), counted), absl::Milliseconds(750));
  EXPECT_EQ(draws, 1);
}

TEST(RetryPolicy, ALongerRequestedDelayReplacesTheBackoff) {
  RetryPolicy p(Config());
  EXPECT_EQ(p.NextDelay(2, absl::ZeroDuration(), Middle, absl::Seconds(7)), absl::Seconds(7));
  // Past max_interval too: the server decides how long it needs.
  EXPECT_EQ(p.NextDelay(2, absl::ZeroDuration(), Middle, absl::Seconds(25)), absl::Seconds(25));
}

TEST(RetryPolicy, AShorterRequestedDelayKeepsTheBackoff) {
  RetryPolicy p(Config());
  EXPECT_EQ(p.NextDelay(3, absl::ZeroDuration(), Middle, absl::Seconds(1)), absl::Seconds(4));
  EXPECT_EQ(p.NextDelay(3, absl::ZeroDuration(), Middle, absl::ZeroDuration()), absl::Seconds(4));
}

TEST(RetryPolicy, ARequestedDelayStillEndsAtMaxElapsedTime) {
  RetryPolicy p(Config());
  EXPECT_EQ(p.NextDelay(1, absl::Seconds(10), Middle, absl::Seconds(50)), absl::Seconds(50));
  EXPECT_EQ(p.NextDelay(1, absl::Seconds(10), Middle, absl::Seconds(51)), std::nullopt);
}

TEST(RetryPolicy, DisabledIgnoresARequestedDelay) {
  config::RetryConfig c = Config();
  c.enabled = false;
  EXPECT_EQ(RetryPolicy(c).NextDelay(1, absl::ZeroDuration(), Middle, absl::Seconds(1)),
            std::nullopt);
}

}  // namespace
}  // namespace weir::exporters::helper
