#include "exporters/helper/queued_exporter.h"

#include <algorithm>
#include <chrono>
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

// Bounds one wait so that clock arithmetic cannot overflow, whatever delay a server asks for.
constexpr absl::Duration kMaxWait = absl::Hours(24);

pipeline::Clock::Duration ToClockDuration(absl::Duration d) {
  return std::chrono::duration_cast<pipeline::Clock::Duration>(
      absl::ToChronoNanoseconds(std::clamp(d, absl::ZeroDuration(), kMaxWait)));
}

absl::Duration FromClockDuration(pipeline::Clock::Duration d) {
  return absl::FromChrono(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

}  // namespace

QueuedExporter::QueuedExporter(const pipeline::Settings& settings, ExporterOptions options,
                               std::unique_ptr<Sender> sender)
    : id_(settings.id.ToString()),
      options_(options),
      retry_policy_(options_.retry),
      sender_(std::move(sender)),
      clock_(*settings.clock),
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
  if (queue_) queue_->Start([this](pipeline::TraceBatch batch) { Deliver(batch); });
  return absl::OkStatus();
}

absl::Time QueuedExporter::SendDeadline() {
  absl::Time deadline = absl::Now() + options_.timeout;
  std::lock_guard<std::mutex> lock(mu_);
  return draining_ ? std::min(deadline, drain_deadline_) : deadline;
}

bool QueuedExporter::WaitForRetry(absl::Duration delay) {
  const pipeline::Clock::Duration wait = ToClockDuration(delay);
  const pipeline::Clock::TimePoint due = clock_.Now() + wait;
  bool fired = false;  // guarded by mu_
  pipeline::TimerHandle timer = clock_.Schedule(wait, [this, &fired] {
    {
      std::lock_guard<std::mutex> lock(mu_);
      fired = true;
    }
    cv_.notify_all();
  });
  bool ready = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      if (fired) {
        ready = true;
        break;
      }
      if (!draining_) {
        cv_.wait(lock);
        continue;
      }
      // Shutting down: wait only for a retry that starts before the deadline. The clock and
      // the deadline may differ (a test's fake clock), so what is left of the wait is measured
      // on the clock and compared with what is left until the deadline.
      absl::Duration left = FromClockDuration(due - clock_.Now());
      if (absl::Now() + left >= drain_deadline_) break;
      cv_.wait_until(lock, absl::ToChronoTime(drain_deadline_));
    }
  }
  // Not under mu_: cancelling waits for a running callback, which takes mu_.
  timer.Cancel();
  return ready;
}

void QueuedExporter::Deliver(const pipeline::TraceBatch& batch) {
  const pipeline::Clock::TimePoint first_attempt = clock_.Now();
  absl::Status s;
  int attempts = 0;
  while (true) {
    ++attempts;
    s = sender_->Send(batch, SendDeadline());
    if (s.ok() || !pipeline::IsRetryable(s)) break;
    std::optional<absl::Duration> delay = retry_policy_.NextDelay(
        attempts, FromClockDuration(clock_.Now() - first_attempt),
        [] { return absl::Uniform(Rng(), 0.0, 1.0); }, RetryDelayOf(s));
    if (!delay) break;
    retry_log_.Warn("exporter", "%s: send failed, retrying in %s: %s", id_,
                    absl::FormatDuration(*delay), s.message());
    if (!WaitForRetry(*delay)) break;
  }
  if (s.ok()) {
    metrics_.Sent(batch.span_count());
    return;
  }
  metrics_.SendFailed(batch.span_count());
  failure_log_.Warn("exporter", "%s: dropped %d spans after %d attempt(s): %s", id_,
                    batch.span_count(), attempts, s.ToString());
}

absl::Status QueuedExporter::SendOnce(const pipeline::TraceBatch& batch) {
  absl::Status s = sender_->Send(batch, SendDeadline());
  if (s.ok()) {
    metrics_.Sent(batch.span_count());
  } else {
    failure_log_.Warn("exporter", "%s: send of %d spans failed, refused to the caller: %s", id_,
                      batch.span_count(), s.ToString());
  }
  return s;
}

absl::Status QueuedExporter::ConsumeTraces(const pipeline::RequestContext& context,
                                           pipeline::TraceBatch batch) {
  metrics_.HandedOff(batch.received_at_ns());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!accepting_) return absl::UnavailableError(absl::StrCat(id_, " is not running"));
    if (!queue_) ++in_flight_;
  }
  if (queue_) return queue_->Offer(std::move(batch));
  absl::Status s = SendOnce(batch);
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
  }
  cv_.notify_all();
  return s;
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
  // Joins the consumer threads, so no queued delivery runs after this.
  size_t dropped = queue_ ? queue_->Shutdown(deadline) : 0;
  if (dropped > 0) {
    metrics_.SendFailed(dropped);
    log::Error("exporter", "%s: shutdown deadline passed with %d spans still queued; dropped", id_,
               dropped);
  }
  {
    // Queue-less sends run on their callers' threads; each ends by its own deadline.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }
  sender_->Shutdown();
}

}  // namespace weir::exporters::helper
