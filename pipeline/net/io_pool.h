// IoPool: one boost::asio::io_context run by a small pool of threads. It runs HTTP sessions,
// admin endpoints and timers. SystemClock is the real Clock, with timers on the pool.
//
// Threading: Start once, Stop once (idempotent); context() may be used from any thread.
// SystemClock follows pipeline/clock.h: its callbacks run on a pool thread, one at a time.
#pragma once

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "pipeline/clock.h"

namespace weir::net {

// The number of CPUs this process may run on (its affinity mask), at least 1. Thread pools are
// sized from this, so a collector pinned to one core does not run threads that only contend.
int UsableCpus();

class IoPool {
 public:
  explicit IoPool(int threads);
  ~IoPool();

  boost::asio::io_context& context() { return context_; }

  void Start();
  // Stops the context and joins the threads. Pending handlers are dropped.
  void Stop();

 private:
  int thread_count_;
  boost::asio::io_context context_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

// The real clock: std::chrono::steady_clock, with every timer on one TimerWheel of resolution
// `tick` driven by a single asio steady_timer that is armed for the wheel's next expiry. A
// timer fires at the first tick boundary at or after its deadline, plus the pool's scheduling
// delay. Timers stop firing when the pool stops.
class SystemClock final : public pipeline::Clock {
 public:
  static constexpr Duration kDefaultTick = std::chrono::milliseconds(1);

  // REQUIRES: `context` outlives the clock; tick > 0.
  explicit SystemClock(boost::asio::io_context& context, Duration tick = kDefaultTick);
  // Drops pending timers and waits for a running callback (see pipeline::Clock).
  ~SystemClock() override;

  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  pipeline::TimerHandle Schedule(Duration delay, std::function<void()> fn) override;
  pipeline::TimerHandle SchedulePeriodic(Duration period, std::function<void()> fn) override;

 private:
  struct Driver;
  std::shared_ptr<Driver> driver_;
};

}  // namespace weir::net
