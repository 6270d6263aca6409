// Sender: the one push function an exporter implements. Queueing, timeouts and metrics are
// added around it by the exporter helper (and retries will be too), so every exporter gets the
// same behaviour.
//
// Threading: Send may be called concurrently by the helper's consumer threads.
#pragma once

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
  // Unavailable / DeadlineExceeded / ResourceExhausted when a later try may succeed,
  // InvalidArgument (or other codes) when the destination rejected the data for good.
  virtual absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) = 0;
  // Flushes and closes. Called once, after the last Send returned.
  virtual void Shutdown() {}
};

}  // namespace weir::exporters::helper
