// Test consumers: SinkConsumer keeps everything it is given; FailingConsumer refuses with a
// chosen status.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "pipeline/consumer.h"

namespace weir::testing {

class SinkConsumer : public pipeline::TracesConsumer {
 public:
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    span_count_ += batch.span_count();
    batches_.push_back(std::move(batch));
    contexts_.push_back(context);
    cv_.notify_all();
    return absl::OkStatus();
  }
  size_t span_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return span_count_;
  }
  size_t batch_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_.size();
  }
  // Span counts of each batch received, in order.
  std::vector<size_t> batch_sizes() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> sizes;
    for (const auto& b : batches_) sizes.push_back(b.span_count());
    return sizes;
  }
  // Everything received, merged into one batch (in arrival order).
  pipeline::TraceBatch Merged() const {
    std::lock_guard<std::mutex> lock(mu_);
    pipeline::TraceBatch all;
    for (const auto& b : batches_) all.Append(b.Clone());
    return all;
  }
  // The context of each batch received, in order.
  std::vector<pipeline::RequestContext> contexts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return contexts_;
  }
  bool WaitForSpans(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return span_count_ >= n; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pipeline::TraceBatch> batches_;
  std::vector<pipeline::RequestContext> contexts_;
  size_t span_count_ = 0;
};

class FailingConsumer : public pipeline::TracesConsumer {
 public:
  explicit FailingConsumer(absl::Status status) : status_(std::move(status)) {}
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    refused_ += batch.span_count();
    return status_;
  }
  size_t refused() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refused_;
  }

 private:
  absl::Status status_;
  mutable std::mutex mu_;
  size_t refused_ = 0;
};

}  // namespace weir::testing
