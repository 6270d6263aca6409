// Clock: the source of time and timers for components, injected so tests control time.
//
// Threading: all methods are thread-safe. Timer callbacks run on the clock's own thread (the
// I/O pool for the real clock, the thread calling Advance for the fake one) and must be short.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace weir::pipeline {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;

  // Runs `fn` once, no earlier than `delay` from now. There is no cancellation: a callback that
  // may outlive its owner must hold a weak reference and check it.
  virtual void RunAfter(Duration delay, std::function<void()> fn) = 0;
};

// Steady-clock nanoseconds, for stamping when data was received (TraceBatch::received_at_ns).
inline int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace weir::pipeline
