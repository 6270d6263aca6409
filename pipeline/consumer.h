// TracesConsumer: the one interface through which spans move from stage to stage.
//
// Threading: ConsumeTraces may be called concurrently from many threads. It returns quickly and
// never blocks on network or disk I/O; slow work belongs behind a queue.
#pragma once

#include "absl/status/status.h"
#include "pipeline/trace_batch.h"

namespace weir::pipeline {

class TracesConsumer {
 public:
  virtual ~TracesConsumer() = default;

  // Takes ownership of `batch`. Returns OK once the consumer has taken responsibility for the
  // spans. A refusal tells the caller whether trying again may help:
  //   Unavailable / ResourceExhausted: temporary (shutting down, queue full); retry later.
  //   InvalidArgument: the data itself is bad; do not retry.
  virtual absl::Status ConsumeTraces(TraceBatch batch) = 0;
};

// True when a refusal from ConsumeTraces may succeed if the sender retries.
inline bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status) || absl::IsAborted(status) || absl::IsCancelled(status) ||
         absl::IsOutOfRange(status) || absl::IsDataLoss(status);
}

}  // namespace weir::pipeline
