// TimerQueue: the thread-safe timer store behind a Clock. It keeps one-shot and periodic timers
// on a TimerWheel under a mutex, hands out TimerHandles, and runs what is due when its driver
// calls RunDue. It implements the cancellation rules documented in pipeline/clock.h.
//
// A clock owns a queue through a shared_ptr (handles share it, so they stay safe after the
// clock is gone) and drives it: net::SystemClock from one asio timer armed for NextExpiry,
// testing::FakeClock from Advance. The queue has no thread and reads no clock.
//
// Threading: every method may be called from any thread. RunDue runs callbacks on its calling
// thread without holding the mutex; concurrent RunDue calls do not overlap (a second caller
// returns at once and the running one goes on), so callbacks of one queue never run
// concurrently with each other. Callback objects are destroyed outside the mutex, so a
// callback's captures may cancel or schedule timers when they die.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "pipeline/clock.h"
#include "pipeline/timer_wheel.h"

namespace weir::pipeline {

class TimerQueue final : public TimerHandle::Canceller,
                         public std::enable_shared_from_this<TimerQueue> {
 public:
  using TimePoint = Clock::TimePoint;
  using Duration = Clock::Duration;

  // A queue whose wheel has resolution `tick` and whose time starts at `start`.
  // REQUIRES: tick > 0.
  static std::shared_ptr<TimerQueue> Create(Duration tick, TimePoint start);

  // now + delay, as a deadline: `now` if delay <= 0, TimePoint::max() if the sum overflows.
  static TimePoint DeadlineAfter(TimePoint now, Duration delay);
  // Use Create: handles need the queue in a shared_ptr.
  TimerQueue(Duration tick, TimePoint start);
  ~TimerQueue() override;

  // Adds a timer due at `deadline`, then every `period` after it if period > 0 (a negative
  // period counts as 1 ns). After Close, `fn` is dropped and an empty handle comes back.
  TimerHandle Schedule(TimePoint deadline, Duration period, std::function<void()> fn);

  // Runs every timer due at `now`, in due order, on the calling thread; timers that callbacks
  // schedule and that are due at `now` run in the same call. Before each callback,
  // `before_run(deadline)` is called without the lock (the fake clock moves its time there).
  // Returns how many callbacks ran, or nullopt, running nothing, if another thread is inside
  // RunDue (that thread goes on until nothing is due at its own `now`).
  std::optional<size_t> RunDue(TimePoint now, absl::FunctionRef<void(TimePoint)> before_run);
  std::optional<size_t> RunDue(TimePoint now) {
    return RunDue(now, [](TimePoint) {});
  }

  // The earliest time RunDue may have something to run (see TimerWheel::NextExpiry), or
  // nullopt if no timer is pending.
  std::optional<TimePoint> NextExpiry() const;

  // The number of pending timers (not counting one that is running).
  size_t pending() const;

  // Drops every pending timer (destroying their callbacks unrun) and refuses new ones; waits
  // for a callback running on another thread. Idempotent. Called by a clock's destructor.
  // REQUIRES: not called from one of this queue's callbacks.
  void Close();

  bool CancelTimer(uint64_t id) override;

 private:
  mutable std::mutex mu_;
  TimerWheel wheel_ ABSL_GUARDED_BY(mu_);
  // Periods of the periodic timers, by packed id; one-shot timers are not here.
  absl::flat_hash_map<uint64_t, Duration> periods_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;  // a thread is inside RunDue
  // The timer whose callback is running (0 if none), its thread, and whether it was cancelled
  // while running.
  uint64_t running_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread::id running_thread_ ABSL_GUARDED_BY(mu_);
  bool running_cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::condition_variable run_done_;  // signalled when running_id_ changes or draining_ ends
};

}  // namespace weir::pipeline
