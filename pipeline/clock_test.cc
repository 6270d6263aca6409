// Timers through the Clock interface on the fake clock, and the TimerQueue's cancellation rules
// under real threads.
#include "absl/time/clock.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "pipeline/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/clock.h"
#include "pipeline/timer_queue.h"
#include "tests/testing/fake_clock.h"

namespace weir::pipeline {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;
using TimePoint = Clock::TimePoint;
using testing::FakeClock;

std::chrono::nanoseconds Since0(TimePoint t) { return t.time_since_epoch(); }

TEST(FakeClockTimers, FireInDeadlineOrderWithNowAtTheDeadline) {
  FakeClock clock;
  std::vector<std::pair<int, std::chrono::nanoseconds>> fired;
  auto record = [&](int n) { return [&, n] { fired.emplace_back(n, Since0(clock.Now())); }; };
  TimerHandle c = clock.Schedule(30ms, record(3));
  TimerHandle a = clock.Schedule(10ms, record(1));
  TimerHandle b = clock.Schedule(20ms, record(2));
  TimerHandle b2 = clock.Schedule(20ms, record(22));  // equal deadline: scheduling order
  EXPECT_EQ(clock.pending_timers(), 4u);
  clock.Advance(25ms);
  EXPECT_EQ(Since0(clock.Now()), 25ms);
  clock.Advance(1s);
  EXPECT_THAT(fired, ElementsAre(std::pair{1, std::chrono::nanoseconds(10ms)},
                                 std::pair{2, std::chrono::nanoseconds(20ms)},
                                 std::pair{22, std::chrono::nanoseconds(20ms)},
                                 std::pair{3, std::chrono::nanoseconds(30ms)}));
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(FakeClockTimers, TimersScheduledByCallbacksRunInTheSameAdvance) {
  FakeClock clock;
  std::vector<std::chrono::nanoseconds> fired;
  std::vector<TimerHandle> handles;
  handles.push_back(clock.Schedule(10ms, [&] {
    fired.push_back(Since0(clock.Now()));
    handles.push_back(clock.Schedule(0ms, [&] { fired.push_back(Since0(clock.Now())); }));
    handles.push_back(clock.Schedule(5ms, [&] { fired.push_back(Since0(clock.Now())); }));
    handles.push_back(clock.Schedule(50ms, [&] { fired.push_back(Since0(clock.Now())); }));
  }));
  handles.push_back(clock.Schedule(12ms, [&] { fired.push_back(Since0(clock.Now())); }));
  clock.Advance(20ms);
  EXPECT_THAT(fired, ElementsAre(10ms, 10ms, 12ms, 15ms));
  EXPECT_EQ(clock.pending_timers(), 1u);
}

TEST(FakeClockTimers, CancelPreventsTheRun) {
  FakeClock clock;
  int fired = 0;
  TimerHandle h = clock.Schedule(10ms, [&] { ++fired; });
  EXPECT_TRUE(static_cast<bool>(h));
  EXPECT_TRUE(h.Cancel());
  EXPECT_FALSE(static_cast<bool>(h));
  EXPECT_FALSE(h.Cancel());
  clock.Advance(1s);
  EXPECT_EQ(fired, 0);

  TimerHandle ran = clock.Schedule(10ms, [&] { ++fired; });
  clock.Advance(10ms);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(ran.Cancel());  // it ran already: nothing prevented
}

TEST(FakeClockTimers, DroppingOrReassigningAHandleCancels) {
  FakeClock clock;
  int fired = 0;
  {
    TimerHandle h = clock.Schedule(10ms, [&] { fired += 1; });
  }
  TimerHandle h = clock.Schedule(10ms, [&] { fired += 10; });
  h = clock.Schedule(10ms, [&] { fired += 100; });
  TimerHandle moved = std::move(h);
  clock.Advance(1s);
  EXPECT_EQ(fired, 100);
  (void)clock.Schedule(1ms, [&] { fired += 1000; });  // discarded handle: cancelled at once
  clock.RunAfter(1ms, [&] { fired += 10000; });       // detached: runs
  clock.Advance(1s);
  EXPECT_EQ(fired, 10100);
}

TEST(FakeClockTimers, CallbackReArmsItsOwnHandle) {
  FakeClock clock;
  std::vector<std::chrono::nanoseconds> fired;
  TimerHandle h;
  std::function<void()> tick = [&] {
    fired.push_back(Since0(clock.Now()));
    // Reassigning cancels the running timer from inside: no wait, no deadlock.
    if (fired.size() < 3) h = clock.Schedule(7ms, tick);
  };
  h = clock.Schedule(7ms, tick);
  clock.Advance(1s);
  EXPECT_THAT(fired, ElementsAre(7ms, 14ms, 21ms));
}

TEST(FakeClockTimers, CancelFromInsideTheCallback) {
  FakeClock clock;
  TimerHandle once;
  bool once_result = true;
  once = clock.Schedule(5ms, [&] { once_result = once.Cancel(); });
  TimerHandle every;
  int runs = 0;
  bool every_result = false;
  every = clock.SchedulePeriodic(5ms, [&] {
    if (++runs == 3) every_result = every.Cancel();
  });
  clock.Advance(1s);
  EXPECT_FALSE(once_result);  // a one-shot that is running: nothing left to prevent
  EXPECT_TRUE(every_result);  // the periodic timer's later runs were prevented
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(FakeClockTimers, CallbackCancelsAnotherTimerDueAtTheSameTime) {
  FakeClock clock;
  int fired = 0;
  TimerHandle second;
  TimerHandle first = clock.Schedule(5ms, [&] { EXPECT_TRUE(second.Cancel()); });
  second = clock.Schedule(5ms, [&] { ++fired; });
  clock.Advance(5ms);
  EXPECT_EQ(fired, 0);
}

TEST(FakeClockTimers, PeriodicHasNoDrift) {
  FakeClock clock;
  clock.Advance(3ms);  // start off zero
  std::vector<std::chrono::nanoseconds> fired;
  TimerHandle h = clock.SchedulePeriodic(7ms, [&] { fired.push_back(Since0(clock.Now())); });
  // Uneven steps, including one that skips several periods at once.
  for (auto step : {1ms, 5ms, 2ms, 13ms, 70ms, 3ms, 1ms}) clock.Advance(step);
  ASSERT_EQ(fired.size(), 13u);  // 3 + 13*7 = 94 <= 98 < 101
  for (size_t n = 0; n < fired.size(); ++n) {
    EXPECT_EQ(fired[n], 3ms + (n + 1) * 7ms) << n;
  }
  EXPECT_EQ(clock.pending_timers(), 1u);
  EXPECT_TRUE(h.Cancel());
  clock.Advance(1s);
  EXPECT_EQ(fired.size(), 13u);
  EXPECT_EQ(clock.pending_timers(), 0u);
}

TEST(FakeClockTimers, HandleOutlivesTheClock) {
  auto clock = std::make_unique<FakeClock>();
  auto token = std::make_shared<int>(0);
  TimerHandle one = clock->Schedule(10ms, [token] { ++*token; });
  TimerHandle every = clock->SchedulePeriodic(10ms, [token] { ++*token; });
  EXPECT_EQ(token.use_count(), 3);
  clock.reset();
  EXPECT_EQ(token.use_count(), 1);  // the clock destroyed the callbacks without running them
  EXPECT_EQ(*token, 0);
  EXPECT_FALSE(one.Cancel());
  // `every` is destroyed after the clock too, at the end of the test.
}

TEST(FakeClockTimers, NegativeAndHugeDelays) {
  FakeClock clock;
  int fired = 0;
  TimerHandle past = clock.Schedule(-5s, [&] { ++fired; });
  TimerHandle never = clock.Schedule(Clock::Duration::max(), [&] { fired += 100; });
  clock.Advance(0ms);
  EXPECT_EQ(fired, 1);
  clock.Advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(fired, 1);
}

// A one-shot callback is running on a driver thread when another thread cancels it: Cancel must
// return only after the callback has returned, and report that nothing was prevented.
TEST(TimerQueueThreads, CancelWaitsForACallbackRunningElsewhere) {
  auto queue = TimerQueue::Create(1ms, TimePoint{});
  pipeline::Notification started, release;
  std::atomic<bool> finished{false};
  TimerHandle h = queue->Schedule(TimePoint{} + 1ms, Clock::Duration::zero(), [&] {
    started.Notify();
    release.WaitForNotification();
    finished = true;
  });
  std::thread driver([&] { queue->RunDue(TimePoint{} + 1ms); });
  started.WaitForNotification();
  std::atomic<bool> cancel_returned{false};
  bool prevented = true;
  bool finished_when_cancel_returned = false;
  std::thread canceller([&] {
    prevented = h.Cancel();
    finished_when_cancel_returned = finished;
    cancel_returned = true;
  });
  // Give the canceller a chance to block; correctness does not depend on this pause.
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_FALSE(cancel_returned);
  release.Notify();
  canceller.join();
  driver.join();
  EXPECT_FALSE(prevented);
  EXPECT_TRUE(finished_when_cancel_returned);
}

TEST(TimerQueueThreads, CloseWaitsForARunningCallbackAndDropsTheRest) {
  auto queue = TimerQueue::Create(1ms, TimePoint{});
  pipeline::Notification started, release;
  std::atomic<bool> finished{false};
  auto token = std::make_shared<int>(0);
  queue
      ->Schedule(TimePoint{} + 1ms, Clock::Duration::zero(),
                 [&] {
                   started.Notify();
                   release.WaitForNotification();
                   finished = true;
                 })
      .Detach();
  queue->Schedule(TimePoint{} + 1s, Clock::Duration::zero(), [token] {}).Detach();
  std::thread driver([&] { queue->RunDue(TimePoint{} + 1ms); });
  started.WaitForNotification();
  std::thread closer([&] {
    queue->Close();
    EXPECT_TRUE(finished);
  });
  absl::SleepFor(absl::Milliseconds(20));
  release.Notify();
  closer.join();
  driver.join();
  EXPECT_EQ(token.use_count(), 1);
  EXPECT_FALSE(queue->Schedule(TimePoint{} + 2s, Clock::Duration::zero(), [] {}));
}

// Schedulers and cancellers on several threads race a driver that runs timers as time moves.
// Each timer records its runs: no timer runs twice, none runs after a Cancel that returned true,
// and none is still running when any Cancel has returned.
TEST(TimerQueueThreads, ConcurrentScheduleCancelAndRun) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  auto queue = TimerQueue::Create(1ms, TimePoint{});
  struct Slot {
    std::atomic<int> runs{0};
    std::atomic<bool> running{false};
  };
  std::vector<Slot> slots(kThreads * kPerThread);
  std::atomic<int64_t> now_ms{0};
  std::atomic<bool> done{false};
  std::thread driver([&] {
    while (!done) {
      int64_t t = now_ms.fetch_add(1) + 1;
      queue->RunDue(TimePoint{} + std::chrono::milliseconds(t));
    }
  });
  std::atomic<int> violations{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kThreads; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 rng(w);
      std::vector<std::pair<int, TimerHandle>> live;
      for (int k = 0; k < kPerThread; ++k) {
        int i = w * kPerThread + k;
        Slot& slot = slots[i];
        auto deadline = TimePoint{} + std::chrono::milliseconds(now_ms.load() + rng() % 20);
        live.emplace_back(i, queue->Schedule(deadline, Clock::Duration::zero(), [&slot] {
          slot.running = true;
          slot.runs.fetch_add(1);
          slot.running = false;
        }));
        if (rng() % 2 == 0 && !live.empty()) {
          size_t pick = rng() % live.size();
          auto [j, handle] = std::move(live[pick]);
          live.erase(live.begin() + pick);
          int runs_before = slots[j].runs.load();
          bool prevented = handle.Cancel();
          if (slots[j].running) violations.fetch_add(1);
          if (prevented && (runs_before != 0 || slots[j].runs.load() != 0)) violations.fetch_add(1);
        }
      }
      for (auto& [j, handle] : live) handle.Detach();
    });
  }
  for (auto& t : workers) t.join();
  // Let every remaining timer fall due.
  int64_t end = now_ms.load() + 50;
  while (now_ms.load() < end) std::this_thread::yield();
  done = true;
  driver.join();
  queue->RunDue(TimePoint{} + std::chrono::milliseconds(now_ms.load() + 100));
  EXPECT_EQ(violations.load(), 0);
  for (const Slot& s : slots) ASSERT_LE(s.runs.load(), 1);
  EXPECT_EQ(queue->pending(), 0u);
}

}  // namespace
}  // namespace weir::pipeline
