// Micro-benchmarks of timers with 1k, 100k and 1M pending: insert, cancel, insert+cancel and
// expiry on the bare TimerWheel (1 ms tick, deadlines spread over 10 s), the same through
// SystemClock (TimerQueue lock, handle, wake-up check), and for comparison a std::multimap and
// the previous one-asio-timer-per-call scheme. Run: build/bench/micro/timer_bench
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "pipeline/net/io_pool.h"
#include "pipeline/timer_wheel.h"

namespace weir {
namespace {

using pipeline::TimerWheel;
using TimePoint = TimerWheel::TimePoint;
using namespace std::chrono_literals;

constexpr int kBatch = 1000;
constexpr auto kWindow = 10s;

// Deadlines spread evenly over kWindow after `now`, in random order.
class Deadlines {
 public:
  Deadlines() : rng_(7) {}
  std::chrono::nanoseconds Next() {
    return std::chrono::nanoseconds(
        rng_() % std::chrono::duration_cast<std::chrono::nanoseconds>(kWindow).count());
  }

 private:
  std::mt19937_64 rng_;
};

void Fill(TimerWheel& wheel, TimePoint now, int64_t n, Deadlines& d) {
  for (int64_t i = 0; i < n; ++i) wheel.Insert(now + d.Next(), [] {});
}

void PendingArgs(benchmark::internal::Benchmark* b) { b->Arg(1000)->Arg(100000)->Arg(1000000); }

void BM_WheelInsert(benchmark::State& state) {
  TimePoint now{};
  TimerWheel wheel(1ms, now);
  Deadlines d;
  Fill(wheel, now, state.range(0), d);
  std::vector<TimerWheel::TimerId> ids(kBatch);
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) ids[i] = wheel.Insert(now + d.Next(), [] {});
    state.PauseTiming();
    for (auto id : ids) wheel.Cancel(id);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_WheelInsert)->Apply(PendingArgs);

void BM_WheelCancel(benchmark::State& state) {
  TimePoint now{};
  TimerWheel wheel(1ms, now);
  Deadlines d;
  Fill(wheel, now, state.range(0), d);
  std::vector<TimerWheel::TimerId> ids(kBatch);
  std::mt19937 rng(1);
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kBatch; ++i) ids[i] = wheel.Insert(now + d.Next(), [] {});
    std::shuffle(ids.begin(), ids.end(), rng);
    state.ResumeTiming();
    for (auto id : ids) benchmark::DoNotOptimize(wheel.Cancel(id));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_WheelCancel)->Apply(PendingArgs);

void BM_WheelInsertCancel(benchmark::State& state) {
  TimePoint now{};
  TimerWheel wheel(1ms, now);
  Deadlines d;
  Fill(wheel, now, state.range(0), d);
  for (auto _ : state) {
    auto id = wheel.Insert(now + d.Next(), [] {});
    benchmark::DoNotOptimize(wheel.Cancel(id));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WheelInsertCancel)->Apply(PendingArgs);

// Steady state: time moves one tick per step (the clock read around each step is included); every
// timer that fires re-inserts itself kWindow ahead, so the pending count stays at N. Reported per
// fired timer (expiry, the cascades it went through, the callback and its re-insert).
void BM_WheelExpire(benchmark::State& state) {
  struct Context {
    TimerWheel wheel{1ms, TimePoint{}};
    TimePoint now{};
  } ctx;
  // One pointer: fits std::function's small buffer, so re-inserting allocates nothing.
  struct Again {
    Context* ctx;
    void operator()() const { ctx->wheel.Insert(ctx->now + kWindow, Again{ctx}); }
  };
  TimerWheel& wheel = ctx.wheel;
  TimePoint& now = ctx.now;
  Deadlines d;
  for (int64_t i = 0; i < state.range(0); ++i) wheel.Insert(now + d.Next(), Again{&ctx});
  // Warm up for one window so the wheel reaches its steady state.
  for (auto end = now + kWindow; now < end; now += 1ms) wheel.Advance(now);
  int64_t fired = 0;
  std::chrono::nanoseconds worst{0};
  for (auto _ : state) {
    now += 1ms;
    auto start = std::chrono::steady_clock::now();
    fired += wheel.Advance(now);
    worst = std::max(worst, std::chrono::steady_clock::now() - start);
  }
  state.SetItemsProcessed(fired);
  // The slowest single tick: when a level-2 slot cascades, thousands of timers move at once.
  state.counters["worst_tick_us"] = benchmark::Counter(worst.count() / 1000.0);
  state.counters["fired_per_tick"] =
      benchmark::Counter(static_cast<double>(fired) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_WheelExpire)->Apply(PendingArgs);

// The whole path a component pays: SystemClock::Schedule (deadline, TimerQueue lock, handle,
// wake-up check) and the handle's Cancel. The io_context is not running: no timer fires.
void BM_SystemClockScheduleCancel(benchmark::State& state) {
  boost::asio::io_context io;
  net::SystemClock clock(io);
  Deadlines d;
  std::vector<pipeline::TimerHandle> pending;
  pending.reserve(state.range(0));
  for (int64_t i = 0; i < state.range(0); ++i) {
    pending.push_back(clock.Schedule(std::chrono::seconds(1) + d.Next(), [] {}));
  }
  for (auto _ : state) {
    pipeline::TimerHandle h = clock.Schedule(std::chrono::seconds(1) + d.Next(), [] {});
    benchmark::DoNotOptimize(h.Cancel());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SystemClockScheduleCancel)->Apply(PendingArgs);

// Reference: an ordered multimap keyed by deadline, as the old FakeClock used.
void BM_MultimapInsertErase(benchmark::State& state) {
  TimePoint now{};
  std::multimap<TimePoint, std::function<void()>> timers;
  Deadlines d;
  for (int64_t i = 0; i < state.range(0); ++i) timers.emplace(now + d.Next(), [] {});
  for (auto _ : state) {
    auto it = timers.emplace(now + d.Next(), [] {});
    timers.erase(it);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MultimapInsertErase)->Apply(PendingArgs);

// Reference: the previous SystemClock scheme, one heap-allocated asio steady_timer per call
// (asio keeps its own timer heap); here armed and cancelled, with the aborted handlers drained.
void BM_AsioTimerPerCallScheduleCancel(benchmark::State& state) {
  boost::asio::io_context io;
  Deadlines d;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> pending;
  auto base = std::chrono::steady_clock::now() + std::chrono::hours(1);
  for (int64_t i = 0; i < state.range(0); ++i) {
    pending.push_back(std::make_unique<boost::asio::steady_timer>(io, base + d.Next()));
    pending.back()->async_wait([](const boost::system::error_code&) {});
  }
  int64_t n = 0;
  for (auto _ : state) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io, base + d.Next());
    timer->async_wait([timer](const boost::system::error_code&) {});
    timer->cancel();
    if (++n % 1024 == 0) io.poll();
  }
  io.poll();
  state.SetItemsProcessed(state.iterations());
  for (auto& t : pending) t->cancel();
  io.poll();
}
BENCHMARK(BM_AsioTimerPerCallScheduleCancel)->Apply(PendingArgs);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
