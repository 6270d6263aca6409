// Notification: a one-shot event a thread waits for, as absl::Notification, built on the
// standard library's mutex and condition variable. weir uses it (and std::mutex) instead of
// Abseil's synchronisation primitives so ThreadSanitizer, which intercepts pthreads but not an
// uninstrumented Abseil, sees every happens-before edge (see CMake option WEIR_TSAN).
//
// Threading: every method may be called from any thread; Notify at most once.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace weir::pipeline {

class Notification {
 public:
  Notification() = default;
  Notification(const Notification&) = delete;
  Notification& operator=(const Notification&) = delete;

  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }
  bool HasBeenNotified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }
  void WaitForNotification() const {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }
  // Returns whether it was notified within `timeout`.
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(std::max(timeout, absl::ZeroDuration())),
                        [this] { return notified_; });
  }
  bool WaitForNotificationWithDeadline(absl::Time deadline) const {
    return WaitForNotificationWithTimeout(deadline - absl::Now());
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace weir::pipeline
