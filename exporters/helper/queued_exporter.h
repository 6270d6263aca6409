// QueuedExporter: turns a Sender into a TracesExporter with otelcol's exporterhelper behaviour:
// an optional bounded in-memory queue drained by `num_consumers` threads (so a slow
// destination never stalls the pipeline or other exporters), a per-send timeout, retries of
// retryable failures with exponential backoff and jitter, and the standard exporter metrics
// (sent, send_failed, enqueue_failed, queue_size, queue_capacity). A batch counts as failed
// only once its retries are exhausted or the error is permanent.
//
// With the queue disabled, ConsumeTraces sends synchronously on the caller's thread.
//
// The parts live apart: the options in exporter_options.h, the queue and its consumer threads
// in queue.h, the backoff in retry_policy.h; this class composes them around the Sender.
//
// An exporter derives from it only to give the factory template (pipeline/factory_template.h)
// a `(settings, config)` constructor that picks the options and the Sender; it overrides
// nothing.
//
// Threading: ConsumeTraces from any thread. Shutdown stops intake, then drains the queue into
// the sender until the deadline; batches still queued then are dropped and counted as failed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "exporters/helper/exporter_options.h"
#include "exporters/helper/queue.h"
#include "exporters/helper/retry_policy.h"
#include "exporters/helper/sender.h"
#include "pipeline/component.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::exporters::helper {

class QueuedExporter : public pipeline::TracesExporter {
 public:
  QueuedExporter(const pipeline::Settings& settings, ExporterOptions options,
                 std::unique_ptr<Sender> sender);
  ~QueuedExporter() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  // Queue enabled: OK when queued; ResourceExhausted when the queue is full; Unavailable when
  // shutting down. Queue disabled: the send's own result. The context is not kept: senders
  // export the spans alone.
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

 private:
  // Sends (retrying as configured) with the per-send timeout; no attempt or wait outlasts the
  // shutdown deadline. Counts and logs the outcome.
  absl::Status Deliver(const pipeline::TraceBatch& batch);
  // Sleeps until `until`; returns false early when the shutdown deadline has passed.
  bool WaitForRetry(absl::Time until);
  // The shutdown deadline once draining, else InfiniteFuture.
  absl::Time StopDeadline();

  std::string id_;
  ExporterOptions options_;
  RetryPolicy retry_policy_;
  std::unique_ptr<Sender> sender_;
  telemetry::ExporterMetrics metrics_;
  log::RateLimited failure_log_;
  std::unique_ptr<SendingQueue> queue_;  // null when sending_queue is disabled

  std::mutex mu_;
  std::condition_variable cv_;                          // wakes retry waits at shutdown
  bool accepting_ = false;                              // guarded by mu_
  bool draining_ = false;                               // guarded by mu_
  absl::Time drain_deadline_ = absl::InfiniteFuture();  // guarded by mu_
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace weir::exporters::helper
