// FakeClock: a Clock whose time moves only when a test calls Advance. Timers live on a
// TimerQueue with a 1 ns wheel, so the fake is exact: Advance runs every timer that falls due,
// on the calling thread, in deadline order (timers with equal deadlines in the order they
// were scheduled), with Now() equal to each timer's deadline while its callback runs;
// timers that callbacks schedule and that fall due within the same Advance run in it too.
//
// Threading: Now, Schedule and handles may be used from any thread; Advance from one thread
// at a time, never from a timer callback.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "pipeline/clock.h"
#include "pipeline/timer_queue.h"

namespace weir::testing {

class FakeClock final : public pipeline::Clock {
 public:
  FakeClock() : queue_(pipeline::TimerQueue::Create(std::chrono::nanoseconds(1), TimePoint{})) {}
  ~FakeClock() override { queue_->Close(); }

  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  pipeline::TimerHandle Schedule(Duration delay, std::function<void()> fn) override {
    return queue_->Schedule(pipeline::TimerQueue::DeadlineAfter(Now(), delay), Duration::zero(),
                            std::move(fn));
  }
  pipeline::TimerHandle SchedulePeriodic(Duration period, std::function<void()> fn) override {
    period = std::max(period, Duration(1));
    return queue_->Schedule(pipeline::TimerQueue::DeadlineAfter(Now(), period), period,
                            std::move(fn));
  }

  // Moves time forward by `d`, running every timer that falls due.
  void Advance(Duration d) {
    TimePoint target = pipeline::TimerQueue::DeadlineAfter(Now(), d);
    queue_->RunDue(target, [this](TimePoint deadline) {
      std::lock_guard<std::mutex> lock(mu_);
      if (deadline > now_) now_ = deadline;
    });
    std::lock_guard<std::mutex> lock(mu_);
    if (target > now_) now_ = target;
  }

  // Timers scheduled and not yet run or cancelled (a periodic timer counts once).
  size_t pending_timers() const { return queue_->pending(); }

 private:
  mutable std::mutex mu_;
  TimePoint now_{};
  std::shared_ptr<pipeline::TimerQueue> queue_;
};

}  // namespace weir::testing
