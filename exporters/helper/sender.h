// Sender: the one push function an exporter implements. Queueing, timeouts, retries and metrics
// are added around it by the exporter helper (QueuedExporter), so every exporter gets the same
// behaviour.
//
// A Sender reports what the destination said; QueuedExporter decides what to do about it. An
// error whose code pipeline::IsRetryable accepts is retried with backoff (when there is a
// queue); any other code drops the batch. A destination that says when to try again (gRPC
// google.rpc.RetryInfo, HTTP Retry-After) has that delay attached to the error with
// WithRetryDelay; the backoff then waits at least that long.
//
// Threading: Send may be called concurrently by the helper's consumer threads (or, with the
// queue disabled, by the callers of ConsumeTraces). WithRetryDelay and RetryDelayOf are pure.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pipeline/trace_batch.h"

namespace weir::exporters::helper {

class Sender {
 public:
  virtual ~Sender() = default;
  // Prepares connections or files. Called once before any Send.
  virtual absl::Status Start() { return absl::OkStatus(); }
  // Delivers `batch` and returns by `deadline`. OK means the destination accepted it. Errors:
  // a retryable code (Unavailable, ResourceExhausted, DeadlineExceeded, Aborted, Cancelled,
  // OutOfRange, DataLoss) when a later try may succeed, optionally carrying the destination's
  // requested delay (WithRetryDelay); any other code (InvalidArgument, Internal, ...) when the
  // destination rejected the data for good.
  virtual absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) = 0;
  // Flushes and closes. Called once, after the last Send returned.
  virtual void Shutdown() {}
};

// `status` (not OK) with the destination's requested retry delay attached as a payload. A
// negative delay counts as zero.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The delay attached by WithRetryDelay, or nullopt when there is none.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

}  // namespace weir::exporters::helper
