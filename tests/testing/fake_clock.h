// FakeClock: a Clock whose time moves only when a test calls Advance; due timers fire on the
// calling thread, in deadline order.
#pragma once

#include <map>
#include <mutex>

#include "pipeline/clock.h"

namespace weir::testing {

class FakeClock final : public pipeline::Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void RunAfter(Duration delay, std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    timers_.emplace(now_ + delay, std::move(fn));
  }
  // Moves time forward by `d`, running every timer that falls due.
  void Advance(Duration d) {
    TimePoint target;
    {
      std::lock_guard<std::mutex> lock(mu_);
      target = now_ + d;
    }
    while (true) {
      std::function<void()> fn;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = timers_.begin();
        if (it == timers_.end() || it->first > target) {
          now_ = target;
          return;
        }
        now_ = it->first;
        fn = std::move(it->second);
        timers_.erase(it);
      }
      fn();
    }
  }
  size_t pending_timers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return timers_.size();
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_{};
  std::multimap<TimePoint, std::function<void()>> timers_;
};

}  // namespace weir::testing
