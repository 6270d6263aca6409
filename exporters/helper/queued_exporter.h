// QueuedExporter: turns a Sender into a TracesExporter with otelcol's exporterhelper behaviour:
// an optional bounded in-memory queue drained by `num_consumers` threads (so a slow
// destination never stalls the pipeline or other exporters), a per-send timeout, retries of
// retryable failures with exponential backoff and jitter, and the standard exporter metrics
// (sent, send_failed, enqueue_failed, queue_size, queue_capacity). A batch counts as failed
// only once its retries are exhausted or the error is permanent.
//
// With the queue disabled, ConsumeTraces sends synchronously on the caller's thread.
//
// Threading: ConsumeTraces from any thread. Shutdown stops intake, then drains the queue into
// the sender until the deadline; batches still queued then are dropped and counted as failed.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/blocks.h"
#include "exporters/helper/sender.h"
#include "pipeline/component.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::exporters::helper {

struct ExporterOptions {
  config::QueueConfig queue;                  // sending_queue
  absl::Duration timeout = absl::Seconds(5);  // timeout: per send attempt
  // retry_on_failure; off unless the exporter decodes it (DecodeExporterOptions turns on
  // otelcol's default backoff).
  config::RetryConfig retry{.enabled = false};
};

// Decodes the helper's keys (`timeout`, `sending_queue`, `retry_on_failure`) from an
// exporter's config node.
void DecodeExporterOptions(config::Node& node, ExporterOptions* options);

class QueuedExporter final : public pipeline::TracesExporter {
 public:
  QueuedExporter(const pipeline::Settings& settings, ExporterOptions options,
                 std::unique_ptr<Sender> sender);
  ~QueuedExporter() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  // Queue enabled: OK when queued; ResourceExhausted when the queue is full; Unavailable when
  // shutting down. Queue disabled: the send's own result.
  absl::Status ConsumeTraces(pipeline::TraceBatch batch) override;

 private:
  // Sends (retrying as configured) with the per-send timeout; no attempt or wait outlasts the
  // shutdown deadline. Counts and logs the outcome.
  absl::Status Deliver(const pipeline::TraceBatch& batch);
  // Sleeps until `until`; returns false early when the shutdown deadline has passed.
  bool WaitForRetry(absl::Time until);
  // The shutdown deadline once draining, else InfiniteFuture.
  absl::Time StopDeadline();
  void Work();

  std::string id_;
  ExporterOptions options_;
  std::unique_ptr<Sender> sender_;
  telemetry::ExporterMetrics metrics_;
  log::RateLimited failure_log_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pipeline::TraceBatch> queue_;  // guarded by mu_
  bool accepting_ = false;                  // guarded by mu_
  bool draining_ = false;                   // guarded by mu_: workers exit when queue empties
  absl::Time drain_deadline_ = absl::InfiniteFuture();  // guarded by mu_
  bool started_ = false;
  bool stopped_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace weir::exporters::helper
