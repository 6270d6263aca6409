#include "exporters/helper/queued_exporter.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"

namespace weir::exporters::helper {
namespace {

// One generator per consumer thread: absl::BitGen is not thread-safe.
absl::BitGen& Rng() {
  thread_local absl::BitGen gen;
  return gen;
}

}  // namespace

QueuedExporter::QueuedExporter(const pipeline::Settings& settings, ExporterOptions options,
                               std::unique_ptr<Sender> sender)
    : id_(settings.id.ToString()),
      options_(options),
      retry_policy_(options_.retry),
      sender_(std::move(sender)),
      metrics_(*settings.telemetry, id_) {
  int64_t capacity = options_.queue.Capacity(pipeline::MemoryBudget::Process().limit());
  metrics_.QueueCapacity(options_.queue.enabled ? static_cast<size_t>(capacity) : 0);
  metrics_.QueueSize(0);
  if (options_.queue.enabled) {
    queue_ = std::make_unique<SendingQueue>(id_, options_.queue.sizer, capacity,
                                            options_.queue.num_consumers, metrics_);
  }
}

QueuedExporter::~QueuedExporter() { Shutdown(absl::Now()); }

absl::Status QueuedExporter::Start(pipeline::Host& host) {
  if (absl::Status s = sender_->Start(); !s.ok()) return s;
  started_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = true;
  }
  if (queue_) queue_->Start([this](pipeline::TraceBatch batch) { (void)Deliver(batch); });
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
  absl::Time first_attempt = absl::Now();
  absl::Status s;
  int attempts = 0;
  while (true) {
    ++attempts;
    s = sender_->Send(batch, std::min(absl::Now() + options_.timeout, StopDeadline()));
    if (s.ok() || !options_.retry.enabled || !pipeline::IsRetryable(s)) break;
    absl::Time now = absl::Now();
    std::optional<absl::Duration> delay = retry_policy_.NextDelay(
        attempts, now - first_attempt, [] { return absl::Uniform(Rng(), 0.0, 1.0); });
    if (!delay || !WaitForRetry(now + *delay)) break;
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

absl::Status QueuedExporter::ConsumeTraces(const pipeline::RequestContext& context,
                                           pipeline::TraceBatch batch) {
  metrics_.HandedOff(batch.received_at_ns());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return absl::UnavailableError(absl::StrCat(id_, " is not running"));
  }
  if (queue_) return queue_->Offer(std::move(batch));
  return Deliver(batch);
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
  size_t dropped = queue_ ? queue_->Shutdown(deadline) : 0;
  if (dropped > 0) {
    metrics_.SendFailed(dropped);
    log::Error("exporter", "%s: shutdown deadline passed with %d spans still queued; dropped", id_,
               dropped);
  }
  sender_->Shutdown();
}

}  // namespace weir::exporters::helper
