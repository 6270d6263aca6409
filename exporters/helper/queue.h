// SendingQueue: the exporter helper's bounded in-memory queue of batches and the consumer
// threads that drain it, so a slow destination never stalls the pipeline or other exporters.
// Its capacity counts in sizer units (requests, spans or encoded bytes); a full queue refuses
// with the retryable ResourceExhausted, which reaches the client as pushback. It keeps the
// queue_size and enqueue_failed metrics; what a consumer does with a batch is up to the
// `consume` callback.
//
// Threading: Offer from any thread. Start and Shutdown from the owner's control thread, once
// each. `consume` runs on the consumer threads, concurrently up to num_consumers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/blocks.h"
#include "pipeline/telemetry/metrics.h"
#include "pipeline/trace_batch.h"

namespace weir::exporters::helper {

class SendingQueue {
 public:
  using ConsumeFn = std::function<void(pipeline::TraceBatch batch)>;

  // Holds at most `capacity` `sizer` units, drained by `num_consumers` threads; an empty queue
  // takes one batch larger than the capacity, so no batch is refused forever. `id` names the
  // exporter in errors; `metrics` is borrowed and must outlive the queue.
  SendingQueue(std::string id, config::QueueSizer sizer, int64_t capacity, int num_consumers,
               telemetry::ExporterMetrics& metrics);

  // The size of `batch` in `sizer` units.
  static size_t SizeOf(config::QueueSizer sizer, const pipeline::TraceBatch& batch);
  // Shuts down with an immediate deadline if still running.
  ~SendingQueue();

  // Starts the consumer threads, each handing batches to `consume`, and starts accepting.
  void Start(ConsumeFn consume);

  // Queues `batch`. Returns OK when queued; ResourceExhausted ("<id>: sending queue is full",
  // counted as enqueue_failed) when full; Unavailable ("<id> is not running") before Start or
  // after Shutdown.
  absl::Status Offer(pipeline::TraceBatch batch);

  // Stops accepting, lets the consumers drain the queue until `deadline`, joins them and
  // empties what is left. Returns the number of spans left behind (the caller counts them).
  // Idempotent; later calls return 0.
  size_t Shutdown(absl::Time deadline);

 private:
  void Work();

  const std::string id_;
  const config::QueueSizer sizer_;
  const size_t capacity_;
  const int num_consumers_;
  telemetry::ExporterMetrics& metrics_;
  ConsumeFn consume_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<pipeline::TraceBatch> queue_;  // guarded by mu_
  size_t held_ = 0;                         // guarded by mu_: queue_'s size in sizer units
  bool accepting_ = false;                  // guarded by mu_
  bool draining_ = false;                   // guarded by mu_: workers exit when queue empties
  absl::Time drain_deadline_ = absl::InfiniteFuture();  // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace weir::exporters::helper
