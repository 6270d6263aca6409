// TraceBatch: the one unit of spans that flows between pipeline stages.
//
// A batch is a sequence of chunks, each one OTLP export request in one of two forms:
//   - wire: the request's protobuf bytes as received, with a light index (where each resource,
//     scope and span lies; ids, times and status per span) built by a validating scan. Nothing
//     is decoded into objects; encoding splices the bytes back out unchanged.
//   - decoded: a protobuf message on its own arena (requests built in code, parsed from JSON,
//     or changed by a processor).
// Appending batches moves chunks, and encoding writes the chunks back to back, which is itself
// a valid ExportTraceServiceRequest because OTLP's top-level field is repeated. So the common
// path (receive → batch → OTLP export) copies no span and decodes nothing.
//
// Access:
//   - ForEachSpanSummary: ids, name, times and status of every span, from the index (cheap).
//   - ForEachResourceSpans / ForEachSpan: full protobuf views; a wire chunk is decoded on first
//     use and the decoded form is kept for later reads.
//   - Mutate: the explicit way to change spans; it turns the chunks into decoded form.
//
// Threading: a TraceBatch is a value type owned by one thread at a time; it is move-only.
// Clone() makes an independent copy for fan-out branches (wire bytes are shared, immutable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/arena.h"
#include "pipeline/otlp/types.h"
#include "pipeline/otlp/wire_scan.h"

namespace weir::pipeline {

// What the index knows of one span. Views are valid while the batch is alive and unchanged.
struct SpanSummary {
  absl::string_view trace_id;
  absl::string_view span_id;
  absl::string_view parent_span_id;
  absl::string_view name;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  uint32_t status_code = 0;
};

class TraceBatch {
 public:
  // An empty batch.
  TraceBatch();
  ~TraceBatch();
  TraceBatch(TraceBatch&&) noexcept;
  TraceBatch& operator=(TraceBatch&&) noexcept;
  TraceBatch(const TraceBatch&) = delete;
  TraceBatch& operator=(const TraceBatch&) = delete;

  // Takes a protobuf-encoded ExportTraceServiceRequest without copying it, validates and
  // indexes it. Returns InvalidArgument naming the problem when protobuf would refuse it.
  static absl::StatusOr<TraceBatch> FromProtoBytes(std::string&& bytes);
  // Same, copying the bytes (for callers that do not own a std::string).
  static absl::StatusOr<TraceBatch> FromProtoBytes(absl::string_view bytes);
  // Same, from a buffer made of several slices (e.g. a gRPC ByteBuffer); joins them once.
  static absl::StatusOr<TraceBatch> FromProtoSlices(absl::Span<const absl::string_view> slices);

  // Builds a batch from a decoded request; copies it onto the batch's arena.
  static TraceBatch FromRequest(const otlp::ExportRequest& request);

  // Takes a request already allocated on `arena`. REQUIRES: request->GetArena() == arena.get().
  static TraceBatch Adopt(std::unique_ptr<google::protobuf::Arena> arena,
                          otlp::ExportRequest* request);

  // Number of spans in the batch. O(1).
  size_t span_count() const { return span_count_; }
  bool empty() const { return span_count_ == 0; }
  // Number of ResourceSpans entries (from the index; decodes nothing).
  size_t ResourceCount() const;
  // Number of chunks (requests) the batch is made of.
  size_t chunk_count() const { return chunks_.size(); }

  // Steady-clock time (ns since an arbitrary epoch) the oldest data in the batch was received;
  // 0 when unknown. Receivers stamp it; appending keeps the oldest.
  int64_t received_at_ns() const { return received_at_ns_; }
  void set_received_at_ns(int64_t ns) { received_at_ns_ = ns; }

  // Encoded protobuf size of the whole batch, in bytes.
  size_t ByteSize() const;

  // Appends the protobuf encoding of the batch (one ExportTraceServiceRequest) to *out.
  void AppendProtoTo(std::string* out) const;
  std::string ToProtoBytes() const;

  // Moves all chunks of `other` to the end of this batch. `other` is left empty.
  void Append(TraceBatch&& other);

  // Removes and returns the first `max_spans` spans (all if there are fewer). Whole chunks move;
  // only the chunk that straddles the limit is decoded and split. REQUIRES: max_spans > 0.
  TraceBatch SplitFront(size_t max_spans);

  // An independent copy. Wire chunks share their immutable bytes; decoded chunks are copied.
  TraceBatch Clone() const;

  // Cheap read access: calls fn(const SpanSummary&) for every span in order.
  template <typename Fn>
  void ForEachSpanSummary(Fn&& fn) const {
    for (const Chunk& c : chunks_) {
      if (c.IsWire()) {
        for (const otlp::wire::SpanEntry& e : c.index.spans) fn(Summarize(c.bytes, e));
      } else {
        for (const auto& rs : c.request->resource_spans())
          for (const auto& ss : rs.scope_spans())
            for (const auto& span : ss.spans()) fn(Summarize(span));
      }
    }
  }

  // Full read access: calls fn(const otlp::ResourceSpans&) for every resource in order.
  // Decodes wire chunks on first use (kept for later reads).
  template <typename Fn>
  void ForEachResourceSpans(Fn&& fn) const {
    for (const Chunk& c : chunks_)
      for (const auto& rs : Decoded(c).resource_spans()) fn(rs);
  }

  // Full read access: calls fn(resource_spans, scope_spans, span) for every span in order.
  template <typename Fn>
  void ForEachSpan(Fn&& fn) const {
    ForEachResourceSpans([&](const otlp::ResourceSpans& rs) {
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) fn(rs, ss, span);
    });
  }

  // Mutation: calls fn(otlp::ExportRequest*) for each chunk (decoding wire chunks first; they
  // are re-encoded when the batch is), then recounts spans.
  template <typename Fn>
  void Mutate(Fn&& fn) {
    for (Chunk& c : chunks_) {
      MakeDecoded(c);
      fn(c.request);
    }
    Recount();
  }

  // Merges all chunks into one request (copies span data) and returns it.
  otlp::ExportRequest ToRequest() const;

 private:
  struct Chunk {
    // Wire form: `bytes` points into `owner`; `request` caches a decoded copy once read.
    std::shared_ptr<const std::string> owner;
    absl::string_view bytes;
    otlp::wire::Index index;
    // Decoded form (or the wire form's cache): the request on its own arena.
    mutable std::unique_ptr<google::protobuf::Arena> arena;
    mutable otlp::ExportRequest* request = nullptr;
    size_t span_count = 0;

    bool IsWire() const { return owner != nullptr; }
  };

  static absl::StatusOr<TraceBatch> FromOwnedBytes(std::shared_ptr<const std::string> owner);
  static size_t CountSpans(const otlp::ExportRequest& request);
  static SpanSummary Summarize(absl::string_view bytes, const otlp::wire::SpanEntry& e);
  static SpanSummary Summarize(const otlp::Span& span);
  static const otlp::ExportRequest& Decoded(const Chunk& chunk);
  static void MakeDecoded(Chunk& chunk);
  void AddChunk(Chunk chunk);
  void Recount();

  std::vector<Chunk> chunks_;
  size_t span_count_ = 0;
  int64_t received_at_ns_ = 0;
};

}  // namespace weir::pipeline
