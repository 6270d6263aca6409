// IoPool: one boost::asio::io_context run by a small pool of threads. It runs HTTP sessions,
// admin endpoints and timers. SystemClock is the real Clock, with timers on the pool.
//
// Threading: Start once, Stop once (idempotent); context() may be used from any thread.
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

class SystemClock final : public pipeline::Clock {
 public:
  explicit SystemClock(boost::asio::io_context& context) : context_(context) {}
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  void RunAfter(Duration delay, std::function<void()> fn) override;

 private:
  boost::asio::io_context& context_;
};

}  // namespace weir::net
