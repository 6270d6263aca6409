#include "exporters/helper/queued_exporter.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace weir::exporters::helper {
namespace {

// One generator per consumer thread: absl::BitGen is not thread-safe.
absl::BitGen& Rng() {
  thread_local absl::BitGen gen;
  return gen;
}

}  // namespace

void DecodeExporterOptions(config::Node& node, ExporterOptions* options) {
  if (node.Read("timeout", &options->timeout) && options->timeout <= absl::ZeroDuration()) {
    node.ErrorAt("timeout", "must be greater than 0");
  }
  options->queue.Decode(node.Child("sending_queue"));
  options->retry = config::RetryConfig{};
  options->retry.Decode(node.Child("retry_on_failure"));
}

QueuedExporter::QueuedExporter(const pipeline::Settings& settings, ExporterOptions options,
                               std::unique_ptr<Sender> sender)
    : id_(settings.id.ToString()),
      options_(options),
      sender_(std::move(sender)),
      metrics_(*settings.telemetry, id_) {
  metrics_.QueueCapacity(options_.queue.enabled ? options_.queue.queue_size : 0);
  metrics_.QueueSize(0);
}

QueuedExporter::~QueuedExporter() { Shutdown(absl::Now()); }

absl::Status QueuedExporter::Start(pipeline::Host& host) {
  if (absl::Status s = sender_->Start(); !s.ok()) return s;
  started_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = true;
  }
  if (options_.queue.enabled) {
    for (int i = 0; i < options_.queue.num_consumers; ++i)
      workers_.emplace_back([this] { Work(); });
  }
  return absl::OkStatus();
}

absl::Time QueuedExporter::StopDeadline() {
  std::lock_guard<std::mutex> lock(mu_);
  return draining_ ? drain_deadline_ : absl::InfiniteFuture();
}

bool QueuedExporter::WaitForRetry(absl::Time until) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    absl::Time now = absl::Now();
    if (draining_ && now >= drain_deadline_) return false;
    if (now >= until) return true;
    absl::Time wake = draining_ ? std::min(until, drain_deadline_) : until;
    cv_.wait_until(lock, absl::ToChronoTime(wake));
  }
}

absl::Status QueuedExporter::Deliver(const pipeline::TraceBatch& batch) {
  const config::RetryConfig& retry = options_.retry;
  absl::Time first_attempt = absl::Now();
  absl::Duration interval = retry.initial_interval;
  absl::Status s;
  int attempts = 0;
  while (true) {
    ++attempts;
    s = sender_->Send(batch, std::min(absl::Now() + options_.timeout, StopDeadline()));
    if (s.ok() || !retry.enabled || !pipeline::IsRetryable(s)) break;
    // Jitter spreads the retries of many exporters: wait interval × [1 - f, 1 + f].
    double spread = retry.randomization_factor * (2 * absl::Uniform(Rng(), 0.0, 1.0) - 1);
    absl::Time next = absl::Now() + interval * (1 + spread);
    if (retry.max_elapsed_time > absl::ZeroDuration() &&
        next - first_attempt > retry.max_elapsed_time) {
      break;
    }
    if (!WaitForRetry(next)) break;
    interval = std::min(interval * retry.multiplier, retry.max_interval);
  }
  if (s.ok()) {
    metrics_.Sent(batch.span_count());
  } else {
    metrics_.SendFailed(batch.span_count());
    failure_log_.Warn("exporter", "%s: dropped %d spans after %d attempt(s): %s", id_,
                      batch.span_count(), attempts, s.ToString());
  }
  return s;
}

absl::Status QueuedExporter::ConsumeTraces(pipeline::TraceBatch batch) {
  metrics_.HandedOff(batch.received_at_ns());
  if (!options_.queue.enabled) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!accepting_) return absl::UnavailableError(absl::StrCat(id_, " is not running"));
    }
    return Deliver(batch);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return absl::UnavailableError(absl::StrCat(id_, " is not running"));
    if (queue_.size() >= static_cast<size_t>(options_.queue.queue_size)) {
      metrics_.EnqueueFailed(batch.span_count());
      return absl::ResourceExhaustedError(absl::StrCat(id_, ": sending queue is full"));
    }
    queue_.push_back(std::move(batch));
    metrics_.QueueSize(queue_.size());
  }
  cv_.notify_one();
  return absl::OkStatus();
}

void QueuedExporter::Work() {
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
    (void)Deliver(batch);
  }
}

void QueuedExporter::Shutdown(absl::Time deadline) {
  if (stopped_) return;
  stopped_ = true;
  if (!started_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = false;
    draining_ = true;
    drain_deadline_ = deadline;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& b : queue_) dropped += b.span_count();
    queue_.clear();
    metrics_.QueueSize(0);
  }
  if (dropped > 0) {
    metrics_.SendFailed(dropped);
    log::Error("exporter", "%s: shutdown deadline passed with %d spans still queued; dropped", id_,
               dropped);
  }
  sender_->Shutdown();
}

}  // namespace weir::exporters::helper
