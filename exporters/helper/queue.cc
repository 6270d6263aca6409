#include "exporters/helper/queue.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace weir::exporters::helper {

SendingQueue::SendingQueue(std::string id, int capacity, int num_consumers,
                           telemetry::ExporterMetrics& metrics)
    : id_(std::move(id)),
      capacity_(static_cast<size_t>(capacity)),
      num_consumers_(num_consumers),
      metrics_(metrics) {}

SendingQueue::~SendingQueue() { Shutdown(absl::Now()); }

void SendingQueue::Start(ConsumeFn consume) {
  consume_ = std::move(consume);
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = true;
  }
  for (int i = 0; i < num_consumers_; ++i) workers_.emplace_back([this] { Work(); });
}

absl::Status SendingQueue::Offer(pipeline::TraceBatch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return absl::UnavailableError(absl::StrCat(id_, " is not running"));
    if (queue_.size() >= capacity_) {
      metrics_.EnqueueFailed(batch.span_count());
      return absl::ResourceExhaustedError(absl::StrCat(id_, ": sending queue is full"));
    }
    queue_.push_back(std::move(batch));
    metrics_.QueueSize(queue_.size());
  }
  cv_.notify_one();
  return absl::OkStatus();
}

void SendingQueue::Work() {
  while (true) {
    pipeline::TraceBatch batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || draining_; });
      if (queue_.empty()) return;
      if (draining_ && absl::Now() >= drain_deadline_) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      metrics_.QueueSize(queue_.size());
    }
    consume_(std::move(batch));
  }
}

size_t SendingQueue::Shutdown(absl::Time deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (draining_) return 0;
    accepting_ = false;
    draining_ = true;
    drain_deadline_ = deadline;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  size_t dropped = 0;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& b : queue_) dropped += b.span_count();
  queue_.clear();
  metrics_.QueueSize(0);
  return dropped;
}

}  // namespace weir::exporters::helper
