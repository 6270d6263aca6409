// HeldBatches: what a processor that acknowledged spans does when the next consumer refuses
// them. A batch refused with a retryable error (a full exporter queue, a backend that is down)
// is held and offered again, oldest first, by Retry; while any is held, Send holds new batches
// behind it instead of overtaking, and the processor refuses new requests (see held()) so the
// refusal reaches clients while their data is still theirs. A permanent refusal drops the
// batch through `on_drop` (which counts and logs it). The batch and tail_sampling processors
// share it.
//
// Threading: every method may be called from any thread. The next consumer is called without
// any lock held; at most one Retry offers batches at a time (others return at once).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pipeline/consumer.h"
#include "pipeline/request_context.h"
#include "pipeline/trace_batch.h"

namespace weir::pipeline {

class HeldBatches {
 public:
  // `on_drop(spans, why)` is called for every batch dropped (permanent refusal, DropAll).
  HeldBatches(TracesConsumer& next, std::function<void(size_t, absl::string_view)> on_drop)
      : next_(next), on_drop_(std::move(on_drop)) {}

  // Offers `batch` to the next consumer, or holds it behind batches already held.
  void Send(const RequestContext& context, TraceBatch batch);

  // Offers the held batches again, oldest first, until one is refused. Returns true when
  // nothing is held any more; false when something still is, or another Retry is running.
  bool Retry();

  // Retries every `interval` until nothing is held or `deadline` passes, then drops (through
  // on_drop, with `why`) what is still held. Returns the spans dropped.
  size_t DrainUntil(absl::Time deadline, absl::Duration interval, absl::string_view why);

  // The message of the last retryable refusal (for the processor's own refusal message).
  std::string reason() const;

 private:
  struct Held {
    RequestContext context;
    TraceBatch batch;
  };
  // False when `h` was refused with a retryable error (left in `h`); true when taken or
  // dropped.
  bool Offer(Held& h);

  TracesConsumer& next_;
  const std::function<void(size_t, absl::string_view)> on_drop_;
  mutable std::mutex mu_;
  std::deque<Held> held_;  // guarded by mu_; oldest first
  bool retrying_ = false;  // guarded by mu_: a Retry is offering batches
  std::string reason_;     // guarded by mu_
};

}  // namespace weir::pipeline
