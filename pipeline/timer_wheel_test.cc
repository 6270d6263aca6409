#include "pipeline/timer_wheel.h"

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace weir::pipeline {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;
using TimePoint = TimerWheel::TimePoint;

TimePoint At(std::chrono::nanoseconds d) { return TimePoint{} + d; }

TEST(TimerWheel, FiresInDeadlineOrderAtTickBoundaries) {
  TimerWheel wheel(1ms, At(0ms));
  std::vector<int> fired;
  wheel.Insert(At(5ms), [&] { fired.push_back(5); });
  wheel.Insert(At(1ms), [&] { fired.push_back(1); });
  wheel.Insert(At(3ms), [&] { fired.push_back(3); });
  EXPECT_EQ(wheel.size(), 3u);
  EXPECT_EQ(wheel.Advance(At(999us)), 0u);
  EXPECT_EQ(wheel.Advance(At(1ms)), 1u);
  EXPECT_EQ(wheel.Advance(At(4ms)), 1u);
  EXPECT_EQ(wheel.Advance(At(10ms)), 1u);
  EXPECT_THAT(fired, ElementsAre(1, 3, 5));
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheel, DeadlineInsideATickFiresAtTheNextBoundaryNeverEarly) {
  TimerWheel wheel(10ms, At(0ms));
  int fired = 0;
  wheel.Insert(At(11ms), [&] { ++fired; });
  wheel.Advance(At(11ms));
  wheel.Advance(At(19ms));
  EXPECT_EQ(fired, 0);  // due at the 20 ms boundary
  wheel.Advance(At(20ms));
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, PastDeadlineIsDueAtOnce) {
  TimerWheel wheel(1ms, At(100ms));
  int fired = 0;
  wheel.Insert(At(50ms), [&] { ++fired; });
  EXPECT_EQ(wheel.NextExpiry(), At(100ms));
  wheel.Advance(At(100ms));
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CancelAndStaleIds) {
  TimerWheel wheel(1ms, At(0ms));
  int fired = 0;
  auto a = wheel.Insert(At(5ms), [&] { ++fired; });
  auto b = wheel.Insert(At(5ms), [&] { fired += 10; });
  EXPECT_TRUE(wheel.Cancel(a));
  EXPECT_FALSE(wheel.Cancel(a));  // already cancelled
  // The freed node is reused with a new generation; the old id must not reach it.
  auto c = wheel.Insert(At(6ms), [&] { fired += 100; });
  EXPECT_EQ(c.index, a.index);
  EXPECT_NE(c.generation, a.generation);
  EXPECT_FALSE(wheel.Cancel(a));
  EXPECT_FALSE(wheel.Reschedule(a, At(1ms)));
  EXPECT_FALSE(wheel.Cancel(TimerWheel::TimerId{}));
  wheel.Advance(At(10ms));
  EXPECT_EQ(fired, 110);
  EXPECT_FALSE(wheel.Cancel(b));  // fired
  EXPECT_FALSE(wheel.Cancel(c));
}

TEST(TimerWheel, CancelHandsBackTheCallback) {
  TimerWheel wheel(1ms, At(0ms));
  auto token = std::make_shared<int>(7);
  auto id = wheel.Insert(At(5ms), [token] {});
  TimerWheel::Callback fn;
  ASSERT_TRUE(wheel.Cancel(id, &fn));
  EXPECT_EQ(token.use_count(), 2);  // still alive in `fn`, not destroyed inside the wheel
  fn = nullptr;
  EXPECT_EQ(token.use_count(), 1);
}

TEST(TimerWheel, RescheduleKeepsTheIdAndMovesTheDeadline) {
  TimerWheel wheel(1ms, At(0ms));
  std::vector<int> fired;
  auto a = wheel.Insert(At(2ms), [&] { fired.push_back(1); });
  wheel.Insert(At(5ms), [&] { fired.push_back(2); });
  ASSERT_TRUE(wheel.Reschedule(a, At(10s)));
  wheel.Advance(At(9s));
  EXPECT_THAT(fired, ElementsAre(2));
  ASSERT_TRUE(wheel.Reschedule(a, At(9s + 500ms)));
  wheel.Advance(At(9s + 500ms));
  EXPECT_THAT(fired, ElementsAre(2, 1));
}

TEST(TimerWheel, FarFutureDeadlinesCrossEveryLevel) {
  TimerWheel wheel(1ms, At(0ms));
  // Deadlines from nanoseconds to ~146 years out, so every level of the wheel is used.
  std::vector<std::chrono::nanoseconds> deadlines;
  for (int bits = 0; bits <= 62; bits += 3) {
    deadlines.push_back(std::chrono::nanoseconds((int64_t{1} << bits) + 7));
  }
  deadlines.push_back(4095ms);
  deadlines.push_back(4096ms);
  deadlines.push_back(4097ms);
  deadlines.push_back(262143ms);
  std::vector<std::pair<TimePoint, TimePoint>> fired;  // deadline, when
  TimePoint now = At(0ms);
  for (auto d : deadlines) {
    TimePoint deadline = At(d);
    wheel.Insert(deadline, [&, deadline] { fired.emplace_back(deadline, now); });
  }
  // Jump from expiry to expiry as a driver would: to NextExpiry, which may be a lower bound.
  int wakeups = 0;
  while (std::optional<TimePoint> next = wheel.NextExpiry()) {
    ASSERT_GE(*next, now);
    now = *next;
    wheel.Advance(now);
    ASSERT_LT(++wakeups, 1000);
  }
  ASSERT_EQ(fired.size(), deadlines.size());
  for (size_t i = 0; i < fired.size(); ++i) {
    EXPECT_GE(fired[i].second, fired[i].first);
    EXPECT_LT(fired[i].second - fired[i].first, 1ms);
    if (i > 0) {
      EXPECT_LE(fired[i - 1].first, fired[i].first);
    }
  }
}

TEST(TimerWheel, OneNanosecondTickIsExact) {
  TimerWheel wheel(1ns, At(0ns));
  std::vector<TimePoint> fired;
  std::vector<TimePoint> want;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) {
    TimePoint d = At(std::chrono::nanoseconds(rng() % 10'000'000'000));
    want.push_back(d);
    wheel.Insert(d, [&fired, d] { fired.push_back(d); });
  }
  std::sort(want.begin(), want.end());
  while (std::optional<TimerWheel::Expired> e = wheel.PopExpired(TimePoint::max())) {
    EXPECT_EQ(e->deadline, wheel.now());
    e->fn();
    wheel.Release(e->id);
  }
  EXPECT_EQ(fired, want);
}

TEST(TimerWheel, CallbackMayInsertAndCancel) {
  TimerWheel wheel(1ms, At(0ms));
  std::vector<int> fired;
  TimerWheel::TimerId victim;
  wheel.Insert(At(1ms), [&] {
    fired.push_back(1);
    wheel.Insert(At(1ms), [&] { fired.push_back(2); });  // due now: same Advance
    wheel.Insert(At(3ms), [&] { fired.push_back(3); });  // within this Advance
    wheel.Insert(At(50ms), [&] { fired.push_back(50); });
    EXPECT_TRUE(wheel.Cancel(victim));
  });
  victim = wheel.Insert(At(2ms), [&] { fired.push_back(-1); });
  wheel.Advance(At(10ms));
  EXPECT_THAT(fired, ElementsAre(1, 2, 3));
  EXPECT_EQ(wheel.size(), 1u);
}

TEST(TimerWheel, RearmAfterPopKeepsTheId) {
  TimerWheel wheel(1ms, At(0ms));
  auto id = wheel.Insert(At(10ms), [] {});
  auto e = wheel.PopExpired(At(10ms));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->id, id);
  EXPECT_FALSE(wheel.Cancel(id));  // held by the owner, not pending
  wheel.Rearm(id, At(20ms), std::move(e->fn));
  EXPECT_FALSE(wheel.PopExpired(At(19ms)).has_value());
  EXPECT_TRUE(wheel.Cancel(id));
  EXPECT_TRUE(wheel.empty());
}

TEST(TimerWheel, TakeAllEmptiesTheWheel) {
  TimerWheel wheel(1ms, At(0ms));
  for (int i = 0; i < 100; ++i) wheel.Insert(At(std::chrono::milliseconds(i * 997)), [] {});
  std::vector<TimerWheel::Callback> fns;
  wheel.TakeAll(&fns);
  EXPECT_EQ(fns.size(), 100u);
  EXPECT_TRUE(wheel.empty());
  EXPECT_FALSE(wheel.NextExpiry().has_value());
  EXPECT_EQ(wheel.Advance(At(1000s)), 0u);
}

// 200k timers with random deadlines (most within seconds, some hours and days away), random
// cancellations and reschedules, against a std::multimap model. Time jumps to each tick at which
// the model says something is due, with random probes in between: the wheel must fire exactly
// the model's timers for that tick, never before their deadline, less than one tick after it.
TEST(TimerWheel, MatchesAReferenceModel) {
  constexpr auto kTick = 1ms;
  constexpr int kTimers = 200'000;
  TimerWheel wheel(kTick, At(0ms));
  std::mt19937_64 rng(42);
  std::multimap<TimePoint, int> model;  // deadline -> timer number
  std::vector<TimerWheel::TimerId> ids(kTimers);
  std::vector<std::multimap<TimePoint, int>::iterator> where(kTimers, model.end());
  std::vector<int> fired_now;
  TimePoint now = At(0ms);
  auto random_deadline = [&]() -> TimePoint {
    uint64_t r = rng() % 100;
    std::chrono::nanoseconds span = r < 80 ? std::chrono::nanoseconds(10s)
                                    : r < 95
                                        ? std::chrono::nanoseconds(std::chrono::hours(2))
                                        : std::chrono::nanoseconds(std::chrono::hours(24 * 30));
    return now + std::chrono::nanoseconds(rng() % span.count());
  };
  auto ceil_tick = [&](TimePoint d) {
    auto ns = d.time_since_epoch().count();
    auto t = std::chrono::nanoseconds(kTick).count();
    return At(std::chrono::nanoseconds((ns + t - 1) / t * t));
  };
  int next_timer = 0;
  auto insert = [&](int count) {
    for (int k = 0; k < count && next_timer < kTimers; ++k) {
      int i = next_timer++;
      TimePoint d = random_deadline();
      ids[i] = wheel.Insert(d, [&fired_now, i] { fired_now.push_back(i); });
      where[i] = model.emplace(d, i);
    }
  };
  insert(kTimers / 2);
  size_t total_fired = 0, cancelled = 0;
  while (!model.empty() || next_timer < kTimers) {
    // Random cancellations and reschedules of live timers, and more inserts.
    for (int k = 0; k < 20 && next_timer > 0; ++k) {
      int i = static_cast<int>(rng() % next_timer);
      bool live = where[i] != model.end();
      if (rng() % 2 == 0) {
        ASSERT_EQ(wheel.Cancel(ids[i]), live);
        if (live) {
          model.erase(where[i]);
          where[i] = model.end();
          ++cancelled;
        }
      } else {
        TimePoint d = random_deadline();
        ASSERT_EQ(wheel.Reschedule(ids[i], d), live);
        if (live) {
          model.erase(where[i]);
          where[i] = model.emplace(d, i);
        }
      }
    }
    insert(50);
    ASSERT_EQ(wheel.size(), model.size());
    if (model.empty()) continue;
    TimePoint due = ceil_tick(model.begin()->first);
    // A probe strictly before the due tick fires nothing.
    if (due - now > kTick) {
      TimePoint probe = now + std::chrono::nanoseconds(rng() % (due - now - kTick).count());
      wheel.Advance(probe);
      ASSERT_TRUE(fired_now.empty()) << "fired early at probe";
      now = probe;
    }
    now = due;
    wheel.Advance(now);
    std::set<int> want;
    for (auto it = model.begin(); it != model.end() && ceil_tick(it->first) <= now;) {
      EXPECT_GE(now, it->first);
      EXPECT_LT(now - it->first, kTick);
      want.insert(it->second);
      where[it->second] = model.end();
      it = model.erase(it);
    }
    std::set<int> got(fired_now.begin(), fired_now.end());
    ASSERT_EQ(got.size(), fired_now.size()) << "a timer fired twice";
    ASSERT_EQ(got, want) << "at " << now.time_since_epoch().count();
    total_fired += fired_now.size();
    fired_now.clear();
  }
  EXPECT_EQ(total_fired + cancelled, static_cast<size_t>(kTimers));
  EXPECT_TRUE(wheel.empty());
}

}  // namespace
}  // namespace weir::pipeline
