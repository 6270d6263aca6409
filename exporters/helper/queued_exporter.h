// QueuedExporter: turns a Sender into a TracesExporter with otelcol's exporterhelper behaviour:
// an optional bounded in-memory queue drained by `num_consumers` threads (so a slow
// destination never stalls the pipeline or other exporters), a per-send timeout, retries of
// retryable failures with exponential backoff and jitter on the injected clock, and the
// standard exporter metrics (sent, send_failed, enqueue_failed, queue_size, queue_capacity).
//
// With the queue (the default), ConsumeTraces only queues: the exporter owns an accepted batch
// and counts it as sent, or as failed once its retries are exhausted, the error is permanent or
// the shutdown deadline passed. A retry waits max(backoff, the delay the destination asked
// for) on a consumer thread, never longer than max_elapsed_time allows or past the shutdown
// deadline.
//
// With the queue disabled, ConsumeTraces makes one attempt on the caller's thread and returns
// its result. Nothing waits out a backoff there (the caller may be a receiver's thread): a
// retryable failure goes back to the caller as it is, and the caller retries (the batch
// processor holds the batch and pushes back; a receiver tells its client to retry later).
// The exporter never holds the spans, so its failures are the caller's refusals, counted by
// the caller and not in send_failed.
//
// The parts live apart: the options in exporter_options.h, the queue and its consumer threads
// in queue.h, the backoff in retry_policy.h; this class composes them around the Sender.
//
// An exporter derives from it only to give the factory template (pipeline/factory_template.h)
// a `(settings, config)` constructor that picks the options and the Sender; it overrides
// nothing.
//
// Threading: ConsumeTraces from any thread. Start and Shutdown from the control thread.
// Shutdown stops intake, wakes every retry wait, drains the queue into the sender until the
// deadline (batches still queued then are dropped and counted as failed), waits for every send
// in flight (a send started before the deadline ends by its own timeout), then shuts the
// Sender down: once Shutdown returns, no Send runs and none will.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "exporters/helper/exporter_options.h"
#include "exporters/helper/queue.h"
#include "exporters/helper/retry_policy.h"
#include "exporters/helper/sender.h"
#include "pipeline/clock.h"
#include "pipeline/component.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::exporters::helper {

class QueuedExporter : public pipeline::TracesExporter {
 public:
  // Backoff waits run on settings.clock, which must outlive the exporter.
  QueuedExporter(const pipeline::Settings& settings, ExporterOptions options,
                 std::unique_ptr<Sender> sender);
  ~QueuedExporter() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  // Queue enabled: OK when queued; ResourceExhausted when the queue is full; Unavailable before
  // Start and once shutting down. Queue disabled: the result of one send attempt (Unavailable
  // before Start and once shutting down). The context is not kept: senders export the spans
  // alone.
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

 private:
  // On a queue consumer thread: sends, retrying as configured, with the per-send timeout; no
  // attempt or wait outlasts the shutdown deadline. Counts and logs the outcome.
  void Deliver(const pipeline::TraceBatch& batch);
  // On the caller's thread (queue disabled): one attempt; counts a success, logs a failure.
  absl::Status SendOnce(const pipeline::TraceBatch& batch);
  // Waits `delay` on the clock. Returns false, at once, when shutdown has begun and the wait
  // would end after its deadline (also when shutdown begins during the wait).
  bool WaitForRetry(absl::Duration delay);
  // The deadline of a send starting now: the timeout, cut short by the shutdown deadline.
  absl::Time SendDeadline();

  std::string id_;
  ExporterOptions options_;
  RetryPolicy retry_policy_;
  std::unique_ptr<Sender> sender_;
  pipeline::Clock& clock_;
  telemetry::ExporterMetrics metrics_;
  log::RateLimited failure_log_;
  log::RateLimited retry_log_;
  std::unique_ptr<SendingQueue> queue_;  // null when sending_queue is disabled

  std::mutex mu_;
  // Signalled (notify_all) when a retry timer fires, when shutdown begins and when a
  // queue-less send ends; each waiter re-checks its own condition under mu_.
  std::condition_variable cv_;
  bool accepting_ = false;                              // guarded by mu_
  bool draining_ = false;                               // guarded by mu_
  absl::Time drain_deadline_ = absl::InfiniteFuture();  // guarded by mu_
  int in_flight_ = 0;  // guarded by mu_: queue-less sends running on callers' threads
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace weir::exporters::helper
