// Clock: the source of time and timers for components, injected so tests control time.
//
// A timer is a callback the clock runs once (Schedule) or every period (SchedulePeriodic). The
// caller holds it through a TimerHandle, which cancels it when destroyed.
//
// Threading: every Clock method and TimerHandle::Cancel may be called from any thread. Timer
// callbacks run on the clock's own thread: an I/O pool thread for the real clock
// (net::SystemClock), the thread calling Advance for the fake one (testing::FakeClock). One
// clock runs one callback at a time, so callbacks must be short: a slow callback delays every
// other timer of the clock. They must not block on I/O or wait for other timers to fire.
//
// Cancellation, precisely. Once Cancel() returns (or a handle is destroyed or assigned to):
//   - the callback will not start again;
//   - if it was running on another thread, Cancel has waited for it to return;
//   - if Cancel is called from inside the timer's own callback (directly, or by destroying or
//     reassigning the handle), it does not wait (that would deadlock): the current run
//     continues to its end and the timer never runs again.
// Because Cancel may wait for a running callback, never Cancel (or destroy, or reassign a
// handle) while holding a lock that the callback acquires: move the handle out and let it go
// after the lock is released.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace weir::pipeline {

// A move-only owner of one scheduled timer; cancels it on destruction. A default-constructed,
// moved-from, cancelled or detached handle owns nothing. A handle may outlive its clock: once
// the clock is destroyed, Cancel returns false.
class TimerHandle {
 public:
  // What a handle cancels through; implemented by each clock's timer store (TimerQueue).
  class Canceller {
   public:
    virtual ~Canceller() = default;
    // Cancels timer `id` with the semantics above; returns whether a run was prevented.
    virtual bool CancelTimer(uint64_t id) = 0;
  };

  TimerHandle() = default;
  // Used by clocks. `canceller` null makes an empty handle.
  TimerHandle(std::shared_ptr<Canceller> canceller, uint64_t id)
      : canceller_(std::move(canceller)), id_(id) {}
  ~TimerHandle() { Cancel(); }

  TimerHandle(TimerHandle&& other) noexcept
      : canceller_(std::move(other.canceller_)), id_(other.id_) {}
  // Cancels the timer this handle owned (see the cancellation rules above), then takes over.
  TimerHandle& operator=(TimerHandle&& other) noexcept {
    if (this != &other) {
      Cancel();
      canceller_ = std::move(other.canceller_);
      id_ = other.id_;
    }
    return *this;
  }
  TimerHandle(const TimerHandle&) = delete;
  TimerHandle& operator=(const TimerHandle&) = delete;

  // Cancels the timer and empties the handle. Returns true if this prevented a run: a one-shot
  // timer that had not started, or a periodic timer (whose next runs are prevented, even if
  // one is running now). Returns false if the one-shot timer has already run or is running
  // (in which case, from another thread, Cancel has waited for it to finish), if the clock is
  // gone, or if the handle is empty.
  bool Cancel() {
    if (canceller_ == nullptr) return false;
    bool prevented = canceller_->CancelTimer(id_);
    canceller_.reset();
    return prevented;
  }

  // Empties the handle without cancelling: the timer runs as if no one held it (a periodic one
  // then runs until its clock is destroyed).
  void Detach() { canceller_.reset(); }

  // True while the handle owns a timer (which may have fired already, for a one-shot timer).
  explicit operator bool() const { return canceller_ != nullptr; }

 private:
  std::shared_ptr<Canceller> canceller_;
  uint64_t id_ = 0;
};

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  // Destroying a clock drops its pending timers (their callbacks are destroyed, not run) and
  // waits for a running callback on another thread. REQUIRES: not called from a callback.
  virtual ~Clock() = default;

  virtual TimePoint Now() const = 0;

  // Runs `fn` once, no earlier than `delay` from now (a delay <= 0 means as soon as possible).
  // The real clock may run it up to one tick of its timer wheel late, plus scheduling delay.
  // Returns the handle that owns the timer: drop it and the timer is cancelled.
  [[nodiscard]] virtual TimerHandle Schedule(Duration delay, std::function<void()> fn) = 0;

  // Runs `fn` every `period`, first one period from now: the nth run is due at
  // start + n * period, without drift. If the clock falls behind by several periods, the
  // missed runs happen back to back. REQUIRES: period > 0 (a smaller one is raised to 1 ns).
  [[nodiscard]] virtual TimerHandle SchedulePeriodic(Duration period, std::function<void()> fn) = 0;

  // Runs `fn` once, no earlier than `delay` from now, with no way to cancel it: a callback that
  // may outlive its owner must hold a weak reference and check it. Prefer Schedule.
  void RunAfter(Duration delay, std::function<void()> fn) {
    Schedule(delay, std::move(fn)).Detach();
  }
};

// Steady-clock nanoseconds, for stamping when data was received (TraceBatch::received_at_ns).
inline int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace weir::pipeline
