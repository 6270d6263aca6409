// The spans of buffered traces, as the tail_sampling processor holds them and its policies read
// them.
//
// Spans stay in the batches they arrived in: the processor splits each incoming batch into
// single-chunk batches (HeldChunk), shared by every trace that has a span in it, and a trace
// refers to its spans by (chunk, position). Nothing is copied or decoded to buffer a span. The
// references live in one SpanPool, 16 bytes each, chained per trace in arrival order, so a
// buffered span costs no allocation of its own; a chunk is released when the last pending
// span that refers to it is decided.
//
// Threading: a HeldChunk's batch is immutable and may be read from any thread; its `refs` and
// `self`, the pool and every Trace are guarded by the processor's lock.
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
// counted in `*held_bytes` (the buffer size of the processor that holds it, shared so the
// count can move with the buffer to another processor) for its lifetime.
struct HeldChunk {
  HeldChunk(pipeline::TraceBatch batch, std::shared_ptr<std::atomic<size_t>> held_bytes)
      : batch(std::move(batch)),
        bytes(this->batch.MemoryBytes()),
        held_bytes(std::move(held_bytes)) {
    this->held_bytes->fetch_add(bytes, std::memory_order_relaxed);
  }
  ~HeldChunk() { held_bytes->fetch_sub(bytes, std::memory_order_relaxed); }
  HeldChunk(const HeldChunk&) = delete;
  HeldChunk& operator=(const HeldChunk&) = delete;

  const pipeline::TraceBatch batch;  // one chunk
  const size_t bytes;
  const std::shared_ptr<std::atomic<size_t>> held_bytes;
  // Pending spans that refer to this chunk, and the reference that keeps it alive while there
  // are any (set by the first, dropped by the last).
  uint32_t refs = 0;
  std::shared_ptr<HeldChunk> self;
};

// The references to buffered spans: fixed 16-byte nodes in blocks, reused through a free list.
class SpanPool {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Node {
    HeldChunk* chunk;
    uint32_t position;  // in chunk->batch
    uint32_t next;      // the trace's next span, or kNone
  };

  uint32_t Add(HeldChunk* chunk, uint32_t position) {
    uint32_t i;
    if (free_ != kNone) {
      i = free_;
      free_ = (*this)[i].next;
    } else {
      if ((high_ >> kBlockBits) == blocks_.size())
        blocks_.push_back(std::make_unique<Node[]>(size_t{1} << kBlockBits));
      i = high_++;
    }
    (*this)[i] = Node{chunk, position, kNone};
    ++live_;
    return i;
  }
  void Free(uint32_t i) {
    (*this)[i].next = free_;
    free_ = i;
    --live_;
  }
  Node& operator[](uint32_t i) { return blocks_[i >> kBlockBits][i & kBlockMask]; }
  const Node& operator[](uint32_t i) const { return blocks_[i >> kBlockBits][i & kBlockMask]; }
  // Nodes in use.
  size_t live() const { return live_; }

 private:
  static constexpr uint32_t kBlockBits = 14;
  static constexpr uint32_t kBlockMask = (1u << kBlockBits) - 1;
  std::vector<std::unique_ptr<Node[]>> blocks_;
  uint32_t high_ = 0;  // nodes ever handed out
  uint32_t free_ = kNone;
  size_t live_ = 0;
};

// A trace pending its decision.
struct Trace {
  uint32_t head = SpanPool::kNone, tail = SpanPool::kNone;  // its spans, in arrival order
  uint32_t span_count = 0;
  bool root_seen = false;
  uint64_t byte_size = 0;  // the spans' encoded size
  uint64_t memory = 0;     // the spans' share of the chunks they hold (see Processor)
  uint64_t earliest_start = UINT64_MAX;
  uint64_t latest_end = 0;
  uint64_t sequence = 0;  // order of arrival, to tell an entry of the age queue is this trace's

  // Appends span `position` of `chunk`. The caller accounts the chunk's refs.
  void Add(SpanPool& pool, HeldChunk* chunk, uint32_t position) {
    const uint32_t i = pool.Add(chunk, position);
    if (tail == SpanPool::kNone) {
      head = i;
    } else {
      pool[tail].next = i;
    }
    tail = i;
    ++span_count;
    pipeline::SpanView v = chunk->batch.SpanAt(position);
    byte_size += v.wire_bytes().size();
    earliest_start = std::min(earliest_start, v.start_time_unix_nano());
    latest_end = std::max(latest_end, v.end_time_unix_nano());
    if (v.parent_span_id().empty()) root_seen = true;
  }
};

// What a policy reads of a trace.
class TraceView {
 public:
  TraceView(absl::string_view trace_id, const Trace& trace, const SpanPool& pool)
      : trace_id_(trace_id), trace_(trace), pool_(pool) {}

  // 16 bytes.
  absl::string_view trace_id() const { return trace_id_; }
  size_t span_count() const { return trace_.span_count; }
  size_t byte_size() const { return trace_.byte_size; }
  uint64_t earliest_start() const { return trace_.earliest_start; }
  uint64_t latest_end() const { return trace_.latest_end; }
  // True when pred is true for some span, in arrival order; stops at the first.
  bool AnySpan(absl::FunctionRef<bool(const pipeline::SpanView&)> pred) const {
    for (uint32_t i = trace_.head; i != SpanPool::kNone; i = pool_[i].next) {
      const SpanPool::Node& n = pool_[i];
      if (pred(n.chunk->batch.SpanAt(n.position))) return true;
    }
    return false;
  }

 private:
  absl::string_view trace_id_;
  const Trace& trace_;
  const SpanPool& pool_;
};

}  // namespace weir::processors::tail_sampling
