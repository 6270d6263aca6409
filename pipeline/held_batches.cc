#include "pipeline/held_batches.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace weir::pipeline {

void HeldBatches::Send(const RequestContext& context, TraceBatch batch) {
  if (batch.empty()) return;
  Held h{context, std::move(batch)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!held_.empty() || retrying_) {
      held_.push_back(std::move(h));
      return;
    }
  }
  if (Offer(h)) return;
  std::lock_guard<std::mutex> lock(mu_);
  held_.push_back(std::move(h));
}

bool HeldBatches::Offer(Held& h) {
  const size_t spans = h.batch.span_count();
  // The copy shares the bytes; `h` keeps the batch in case of a retryable refusal.
  absl::Status s = next_.ConsumeTraces(h.context, h.batch.Clone());
  if (s.ok()) return true;
  if (IsRetryable(s)) {
    std::lock_guard<std::mutex> lock(mu_);
    reason_ = std::string(s.message());
    return false;
  }
  on_drop_(spans, s.message());
  return true;
}

bool HeldBatches::Retry() {
  std::deque<Held> batches;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (retrying_) return false;
    if (held_.empty()) return true;
    retrying_ = true;
    batches.swap(held_);
  }
  while (!batches.empty() && Offer(batches.front())) batches.pop_front();
  std::lock_guard<std::mutex> lock(mu_);
  retrying_ = false;
  // Batches held meanwhile go after the older ones.
  for (Held& h : held_) batches.push_back(std::move(h));
  held_.swap(batches);
  return held_.empty();
}

size_t HeldBatches::DrainUntil(absl::Time deadline, absl::Duration interval,
                               absl::string_view why) {
  while (!Retry() && absl::Now() < deadline) {
    absl::SleepFor(std::min(interval, deadline - absl::Now()));
  }
  std::deque<Held> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(held_);
  }
  size_t spans = 0;
  for (const Held& h : left) spans += h.batch.span_count();
  if (spans > 0) on_drop_(spans, why);
  return spans;
}

std::string HeldBatches::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

}  // namespace weir::pipeline
