// SystemClock on a real I/O pool: timers fire, never early; cancelled ones do not. Every wait
// is on a condition with a deadline.
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "pipeline/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "pipeline/net/io_pool.h"

namespace weir::net {
namespace {

using namespace std::chrono_literals;
using pipeline::TimerHandle;

constexpr absl::Duration kPatience = absl::Seconds(10);

class SystemClockTest : public ::testing::Test {
 protected:
  SystemClockTest() { io_.Start(); }
  ~SystemClockTest() override { io_.Stop(); }
  IoPool io_{2};
};

TEST_F(SystemClockTest, TimerFiresNoEarlierThanItsDelay) {
  SystemClock clock(io_.context());
  pipeline::Notification fired;
  auto start = clock.Now();
  std::chrono::steady_clock::time_point fired_at;
  TimerHandle h = clock.Schedule(20ms, [&] {
    fired_at = clock.Now();
    fired.Notify();
  });
  ASSERT_TRUE(fired.WaitForNotificationWithTimeout(kPatience));
  EXPECT_GE(fired_at - start, 20ms);
  EXPECT_FALSE(h.Cancel());
}

TEST_F(SystemClockTest, CancelledTimerDoesNotFire) {
  SystemClock clock(io_.context());
  std::atomic<int> cancelled_runs{0};
  pipeline::Notification later;
  TimerHandle cancelled = clock.Schedule(10ms, [&] { cancelled_runs++; });
  TimerHandle dropped = clock.Schedule(10ms, [&] { cancelled_runs++; });
  TimerHandle witness = clock.Schedule(60ms, [&] { later.Notify(); });
  EXPECT_TRUE(cancelled.Cancel());
  dropped = TimerHandle();
  // Timers run in deadline order, one at a time: once the later one has run, the earlier ones
  // would have run too.
  ASSERT_TRUE(later.WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(cancelled_runs.load(), 0);
}

TEST_F(SystemClockTest, EarlierTimerRearmsTheWakeUp) {
  SystemClock clock(io_.context());
  pipeline::Notification fired;
  TimerHandle far = clock.Schedule(std::chrono::hours(1), [] {});
  TimerHandle near = clock.Schedule(5ms, [&] { fired.Notify(); });
  ASSERT_TRUE(fired.WaitForNotificationWithTimeout(kPatience));
}

TEST_F(SystemClockTest, PeriodicRunsUntilCancelled) {
  SystemClock clock(io_.context());
  std::atomic<int> runs{0};
  pipeline::Notification three;
  TimerHandle h = clock.SchedulePeriodic(5ms, [&] {
    if (++runs == 3) three.Notify();
  });
  ASSERT_TRUE(three.WaitForNotificationWithTimeout(kPatience));
  EXPECT_TRUE(h.Cancel());
  int after = runs.load();
  // Cancel has returned: no run is in progress and none starts. A later timer proves time went on.
  pipeline::Notification later;
  TimerHandle witness = clock.Schedule(30ms, [&] { later.Notify(); });
  ASSERT_TRUE(later.WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(runs.load(), after);
}

TEST_F(SystemClockTest, ManyTimersAllFireNoneEarly) {
  SystemClock clock(io_.context());
  constexpr int kTimers = 10000;
  std::atomic<int> fired{0}, early{0};
  pipeline::Notification all;
  std::mt19937 rng(1);
  std::vector<TimerHandle> handles;
  for (int i = 0; i < kTimers; ++i) {
    auto delay = std::chrono::microseconds(rng() % 100000);
    auto due = clock.Now() + delay;
    handles.push_back(clock.Schedule(delay, [&, due] {
      if (clock.Now() < due) early++;
      if (++fired == kTimers) all.Notify();
    }));
  }
  ASSERT_TRUE(all.WaitForNotificationWithTimeout(kPatience));
  EXPECT_EQ(early.load(), 0);
}

TEST_F(SystemClockTest, DestroyingTheClockDropsPendingTimers) {
  auto token = std::make_shared<int>(0);
  TimerHandle h;
  {
    SystemClock clock(io_.context());
    h = clock.Schedule(1h, [token] { ++*token; });
    clock.RunAfter(1h, [token] { ++*token; });
    EXPECT_EQ(token.use_count(), 3);
  }
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_FALSE(h.Cancel());
}

}  // namespace
}  // namespace weir::net
