#include "pipeline/timer_queue.h"

#include <vector>

namespace weir::pipeline {

std::shared_ptr<TimerQueue> TimerQueue::Create(Duration tick, TimePoint start) {
  return std::make_shared<TimerQueue>(tick, start);
}

TimerQueue::TimePoint TimerQueue::DeadlineAfter(TimePoint now, Duration delay) {
  if (delay <= Duration::zero()) return now;
  if (now > TimePoint::max() - delay) return TimePoint::max();
  return now + delay;
}

TimerQueue::TimerQueue(Duration tick, TimePoint start) : wheel_(tick, start) {}

TimerQueue::~TimerQueue() = default;

TimerHandle TimerQueue::Schedule(TimePoint deadline, Duration period, std::function<void()> fn) {
  uint64_t id;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // After Close, `fn` is destroyed when this function returns, outside the lock.
    if (closed_) return TimerHandle();
    id = wheel_.Insert(deadline, std::move(fn)).Pack();
    if (period != Duration::zero()) periods_[id] = std::max(period, Duration(1));
  }
  return TimerHandle(shared_from_this(), id);
}

std::optional<size_t> TimerQueue::RunDue(TimePoint now,
                                         absl::FunctionRef<void(TimePoint)> before_run) {
  size_t ran = 0;
  std::unique_lock<std::mutex> lock(mu_);
  if (draining_) return std::nullopt;
  draining_ = true;
  while (std::optional<TimerWheel::Expired> e = wheel_.PopExpired(now)) {
    const uint64_t id = e->id.Pack();
    auto period = periods_.find(id);
    const bool periodic = period != periods_.end();
    const Duration every = periodic ? period->second : Duration::zero();
    running_id_ = id;
    running_thread_ = std::this_thread::get_id();
    running_cancelled_ = false;
    lock.unlock();
    before_run(e->deadline);
    e->fn();
    // A one-shot callback is destroyed here, outside the lock.
    if (!periodic) e->fn = nullptr;
    ++ran;
    lock.lock();
    std::function<void()> finished;
    if (periodic && !running_cancelled_ && !closed_) {
      wheel_.Rearm(e->id, DeadlineAfter(e->deadline, every), std::move(e->fn));
    } else {
      wheel_.Release(e->id);
      if (periodic) {
        periods_.erase(id);
        finished = std::move(e->fn);
      }
    }
    running_id_ = 0;
    run_done_.notify_all();
    if (finished) {
      lock.unlock();
      finished = nullptr;
      lock.lock();
    }
  }
  draining_ = false;
  return ran;
}

std::optional<TimerQueue::TimePoint> TimerQueue::NextExpiry() const {
  std::unique_lock<std::mutex> lock(mu_);
  return wheel_.NextExpiry();
}

size_t TimerQueue::pending() const {
  std::unique_lock<std::mutex> lock(mu_);
  return wheel_.size();
}

void TimerQueue::Close() {
  std::vector<std::function<void()>> dropped;  // destroyed after the lock is released
  std::unique_lock<std::mutex> lock(mu_);
  closed_ = true;
  wheel_.TakeAll(&dropped);
  periods_.clear();
  if (running_id_ != 0 && running_thread_ == std::this_thread::get_id()) return;
  while (running_id_ != 0) run_done_.wait(lock);
}

bool TimerQueue::CancelTimer(uint64_t id) {
  std::function<void()> fn;  // destroyed after the lock is released
  std::unique_lock<std::mutex> lock(mu_);
  if (wheel_.Cancel(TimerWheel::TimerId::Unpack(id), &fn)) {
    periods_.erase(id);
    return true;
  }
  if (running_id_ != id) return false;  // ran already, cancelled, or the queue was closed
  // Running now: a periodic timer's next runs are what this prevents.
  const bool prevented = periods_.contains(id);
  running_cancelled_ = true;
  if (running_thread_ == std::this_thread::get_id()) return prevented;
  while (running_id_ == id) run_done_.wait(lock);
  return prevented;
}

}  // namespace weir::pipeline
