#include "pipeline/net/io_pool.h"

#include <sched.h>

#include <atomic>
#include <limits>
#include <mutex>

#include "boost/asio/steady_timer.hpp"
#include "pipeline/timer_queue.h"

namespace weir::net {

int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

IoPool::IoPool(int threads) : thread_count_(threads < 1 ? 1 : threads) {}

IoPool::~IoPool() { Stop(); }

void IoPool::Start() {
  if (!threads_.empty()) return;
  work_.emplace(context_.get_executor());
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this] { context_.run(); });
  }
}

void IoPool::Stop() {
  if (threads_.empty()) return;
  work_.reset();
  context_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

// The asio side of SystemClock. Completion handlers hold it weakly, so a handler that runs
// after the clock is gone does nothing.
struct SystemClock::Driver : std::enable_shared_from_this<SystemClock::Driver> {
  static constexpr int64_t kUnarmed = std::numeric_limits<int64_t>::max();

  Driver(boost::asio::io_context& context, Duration tick)
      : tick(tick),
        queue(pipeline::TimerQueue::Create(tick, std::chrono::steady_clock::now())),
        timer(context) {}

  // The first tick boundary at or after `t`: the wheel cannot fire a timer before it, so
  // waking earlier would only cost a second wake-up.
  TimePoint CeilToTick(TimePoint t) const {
    int64_t ns = t.time_since_epoch().count();
    int64_t n = tick.count();
    int64_t rest = ns % n;
    if (rest == 0 || ns > kUnarmed - n) return t;
    return TimePoint(Duration(ns - rest + n));
  }

  // Makes sure the asio timer wakes up no later than `at`.
  void WakeBy(TimePoint at) {
    at = CeilToTick(at);
    int64_t ns = at.time_since_epoch().count();
    // Most timers fall due after the armed wake-up; they need no lock here.
    if (ns >= armed_at.load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(mu);
    if (stopped || ns >= armed_at.load(std::memory_order_relaxed)) return;
    ArmLocked(at);
  }

  void ArmLocked(TimePoint at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    armed_at.store(at.time_since_epoch().count(), std::memory_order_release);
    timer.expires_at(at);  // cancels the wait it replaces; that handler sees an error
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (std::shared_ptr<Driver> self = weak.lock()) self->OnTimer();
    });
  }

  void OnTimer() {
    // If another pool thread is running timers, it re-arms when it is done; re-arming here
    // would spin on a wake-up that is already due.
    if (!queue->RunDue(std::chrono::steady_clock::now()).has_value()) return;
    std::lock_guard<std::mutex> lock(mu);
    if (stopped) return;
    armed_at.store(kUnarmed, std::memory_order_release);
    std::optional<TimePoint> next = queue->NextExpiry();
    if (next.has_value() && *next != TimePoint::max()) ArmLocked(*next);
  }

  const Duration tick;
  const std::shared_ptr<pipeline::TimerQueue> queue;
  std::mutex mu;
  boost::asio::steady_timer timer ABSL_GUARDED_BY(mu);
  bool stopped ABSL_GUARDED_BY(mu) = false;
  // When the pending asio wait ends, in steady-clock ns; kUnarmed if none. Written under mu.
  std::atomic<int64_t> armed_at{kUnarmed};
};

SystemClock::SystemClock(boost::asio::io_context& context, Duration tick)
    : driver_(std::make_shared<Driver>(context, tick)) {}

SystemClock::~SystemClock() {
  driver_->queue->Close();
  std::lock_guard<std::mutex> lock(driver_->mu);
  driver_->stopped = true;
  driver_->timer.cancel();
}

pipeline::TimerHandle SystemClock::Schedule(Duration delay, std::function<void()> fn) {
  TimePoint deadline = pipeline::TimerQueue::DeadlineAfter(Now(), delay);
  pipeline::TimerHandle handle =
      driver_->queue->Schedule(deadline, Duration::zero(), std::move(fn));
  driver_->WakeBy(deadline);
  return handle;
}

pipeline::TimerHandle SystemClock::SchedulePeriodic(Duration period, std::function<void()> fn) {
  period = std::max(period, Duration(1));
  TimePoint deadline = pipeline::TimerQueue::DeadlineAfter(Now(), period);
  pipeline::TimerHandle handle = driver_->queue->Schedule(deadline, period, std::move(fn));
  driver_->WakeBy(deadline);
  return handle;
}

}  // namespace weir::net
