#include "exporters/helper/queue.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace weir::exporters::helper {

SendingQueue::SendingQueue(std::string id, config::QueueSizer sizer, int64_t capacity,
                           int num_consumers, telemetry::ExporterMetrics& metrics)
    : id_(std::move(id)),
      sizer_(sizer),
      capacity_(static_cast<size_t>(capacity)),
      num_consumers_(num_consumers),
      metrics_(metrics) {}

size_t SendingQueue::SizeOf(config::QueueSizer sizer, const pipeline::TraceBatch& batch) {
  switch (sizer) {
    case config::QueueSizer::kRequests:
      return 1;
    case config::QueueSizer::kItems:
      return batch.span_count();
    case config::QueueSizer::kBytes:
      return batch.ByteSize();
  }
  return 1;
}

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
    size_t size = SizeOf(sizer_, batch);
    if (!queue_.empty() && (held_ >= capacity_ || size > capacity_ - held_)) {
      metrics_.EnqueueFailed(batch.span_count());
      return absl::ResourceExhaustedError(
          absl::StrCat(id_, ": sending queue is full (", held_, " of ", capacity_, " ",
                       config::QueueSizerName(sizer_), "); retry later"));
    }
    held_ += size;
    queue_.push_back(std::move(batch));
    metrics_.QueueSize(held_);
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
      held_ -= SizeOf(sizer_, batch);
      metrics_.QueueSize(held_);
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
  held_ = 0;
  metrics_.QueueSize(0);
  return dropped;
}

}  // namespace weir::exporters::helper
