// TracesConsumer: the one interface through which spans move from stage to stage, each batch
// with the RequestContext of the request it came from.
//
// Threading: ConsumeTraces may be called concurrently from many threads. It returns quickly and
// never blocks on network or disk I/O; slow work belongs behind a queue.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "pipeline/request_context.h"
#include "pipeline/trace_batch.h"

namespace weir::pipeline {

class TracesConsumer {
 public:
  virtual ~TracesConsumer() = default;

  // Takes ownership of `batch`. Returns OK once the consumer has taken responsibility for the
  // spans. A refusal tells the caller whether trying again may help:
  //   Unavailable / ResourceExhausted: temporary (shutting down, queue full); retry later.
  //   InvalidArgument: the data itself is bad; do not retry.
  // `context` is borrowed for the call; a consumer that keeps it copies what it needs.
  virtual absl::Status ConsumeTraces(const RequestContext& context, TraceBatch batch) = 0;

  // For data that came from no request (generated spans, tests): the empty context. A class that
  // overrides the method above brings this one back with `using TracesConsumer::ConsumeTraces;`.
  absl::Status ConsumeTraces(TraceBatch batch) {
    return ConsumeTraces(RequestContext::Empty(), std::move(batch));
  }
};

// True when a refusal from ConsumeTraces may succeed if the sender retries.
inline bool IsRetryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status) || absl::IsAborted(status) || absl::IsCancelled(status) ||
         absl::IsOutOfRange(status) || absl::IsDataLoss(status);
}

}  // namespace weir::pipeline
