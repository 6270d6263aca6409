// The spans of one buffered trace, as the tail_sampling processor holds them and its policies
// read them.
//
// Spans stay in the batches they arrived in: the processor splits each incoming batch into
// single-chunk batches (HeldChunk), shared by every trace that has a span in it, and a trace
// refers to its spans by (chunk, position). Nothing is copied or decoded to buffer a span; the
// chunk's memory is released when the last trace that refers to it is decided.
//
// Threading: a HeldChunk is immutable once made and may be read from any thread; a Trace is
// guarded by its processor's lock.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "pipeline/clock.h"
#include "pipeline/trace_batch.h"

namespace weir::processors::tail_sampling {

// One received chunk of spans, shared by the traces that have spans in it. Its bytes are
// counted in `*held_bytes` (the processor's buffer size) for its lifetime.
struct HeldChunk {
  HeldChunk(pipeline::TraceBatch batch, std::atomic<size_t>* held_bytes)
      : batch(std::move(batch)), bytes(this->batch.MemoryBytes()), held_bytes(held_bytes) {
    held_bytes->fetch_add(bytes, std::memory_order_relaxed);
  }
  ~HeldChunk() { held_bytes->fetch_sub(bytes, std::memory_order_relaxed); }
  HeldChunk(const HeldChunk&) = delete;
  HeldChunk& operator=(const HeldChunk&) = delete;

  const pipeline::TraceBatch batch;  // one chunk
  const size_t bytes;
  std::atomic<size_t>* const held_bytes;
};

// A span of a buffered trace.
struct SpanRef {
  std::shared_ptr<const HeldChunk> chunk;
  uint32_t position;  // in chunk->batch
  pipeline::SpanView view() const { return chunk->batch.SpanAt(position); }
};

// A trace pending its decision.
struct Trace {
  std::vector<SpanRef> spans;
  size_t byte_size = 0;  // the spans' encoded size
  size_t memory = 0;     // the spans' share of the chunks they hold (see Processor)
  uint64_t earliest_start = UINT64_MAX;
  uint64_t latest_end = 0;
  pipeline::Clock::TimePoint first_arrival{};
  bool root_seen = false;
  uint64_t sequence = 0;  // order of arrival, to tell an entry of the age queue is this trace's

  void Add(SpanRef ref) {
    pipeline::SpanView v = ref.view();
    byte_size += v.wire_bytes().size();
    earliest_start = std::min(earliest_start, v.start_time_unix_nano());
    latest_end = std::max(latest_end, v.end_time_unix_nano());
    if (v.parent_span_id().empty()) root_seen = true;
    spans.push_back(std::move(ref));
  }
};

// What a policy reads of a trace.
class TraceView {
 public:
  TraceView(absl::string_view trace_id, const Trace& trace) : trace_id_(trace_id), trace_(trace) {}

  // 16 bytes.
  absl::string_view trace_id() const { return trace_id_; }
  size_t span_count() const { return trace_.spans.size(); }
  size_t byte_size() const { return trace_.byte_size; }
  uint64_t earliest_start() const { return trace_.earliest_start; }
  uint64_t latest_end() const { return trace_.latest_end; }
  // True when pred is true for some span; stops at the first.
  bool AnySpan(absl::FunctionRef<bool(const pipeline::SpanView&)> pred) const {
    for (const SpanRef& ref : trace_.spans)
      if (pred(ref.view())) return true;
    return false;
  }

 private:
  absl::string_view trace_id_;
  const Trace& trace_;
};

}  // namespace weir::processors::tail_sampling
