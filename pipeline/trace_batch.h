// TraceBatch: the one unit of spans that flows between pipeline stages.
//
// A batch is a sequence of chunks; each chunk is one OTLP export request owned by its own
// protobuf arena. Appending batches moves chunks (no span is copied), and encoding a batch as
// protobuf writes the chunks back to back, which is itself a valid ExportTraceServiceRequest
// because OTLP's top-level field is repeated. Read access goes through const views
// (ForEachSpan, ForEachResourceSpans); mutation goes through the explicit Mutate call, so a
// representation that keeps the received wire bytes and decodes lazily can sit behind the same
// interface.
//
// Threading: a TraceBatch is a value type owned by one thread at a time; it is move-only.
// Clone() makes an independent deep copy for fan-out branches.
#pragma once

#include "absl/strings/string_view.h"
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "google/protobuf/arena.h"
#include "pipeline/otlp_types.h"

namespace weir::pipeline {

class TraceBatch {
 public:
  // An empty batch.
  TraceBatch();
  ~TraceBatch();
  TraceBatch(TraceBatch&&) noexcept;
  TraceBatch& operator=(TraceBatch&&) noexcept;
  TraceBatch(const TraceBatch&) = delete;
  TraceBatch& operator=(const TraceBatch&) = delete;

  // Decodes one OTLP ExportTraceServiceRequest in protobuf encoding.
  // Returns InvalidArgument naming the problem when the bytes are not a valid request.
  static absl::StatusOr<TraceBatch> FromProtoBytes(absl::string_view bytes);

  // Same as FromProtoBytes, reading a buffer made of several slices (e.g. a gRPC ByteBuffer)
  // without first joining them.
  static absl::StatusOr<TraceBatch> FromProtoSlices(absl::Span<const absl::string_view> slices);

  // Builds a batch from a decoded request; copies it onto the batch's arena.
  static TraceBatch FromRequest(const otlp::ExportRequest& request);

  // Takes a request already allocated on `arena`. REQUIRES: request->GetArena() == arena.get().
  static TraceBatch Adopt(std::unique_ptr<google::protobuf::Arena> arena,
                          otlp::ExportRequest* request);

  // Number of spans in the batch. O(1).
  size_t span_count() const { return span_count_; }
  bool empty() const { return span_count_ == 0; }

  // Encoded protobuf size of the whole batch, in bytes.
  size_t ByteSize() const;

  // Appends the protobuf encoding of the batch (one ExportTraceServiceRequest) to *out.
  void AppendProtoTo(std::string* out) const;
  std::string ToProtoBytes() const;

  // Moves all chunks of `other` to the end of this batch. `other` is left empty.
  void Append(TraceBatch&& other);

  // Removes and returns the first `max_spans` spans (all if there are fewer). Whole chunks move;
  // only the chunk that straddles the limit is split, and only its spans past the cut are
  // copied. REQUIRES: max_spans > 0.
  TraceBatch SplitFront(size_t max_spans);

  // A deep copy.
  TraceBatch Clone() const;

  // Read access: calls fn(const otlp::ResourceSpans&) for every resource in order.
  template <typename Fn>
  void ForEachResourceSpans(Fn&& fn) const {
    for (const Chunk& c : chunks_)
      for (const auto& rs : c.request->resource_spans()) fn(rs);
  }

  // Read access: calls fn(resource_spans, scope_spans, span) for every span in order.
  template <typename Fn>
  void ForEachSpan(Fn&& fn) const {
    ForEachResourceSpans([&](const otlp::ResourceSpans& rs) {
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) fn(rs, ss, span);
    });
  }

  // Mutation: calls fn(otlp::ExportRequest*) for each chunk, then recounts spans.
  template <typename Fn>
  void Mutate(Fn&& fn) {
    for (Chunk& c : chunks_) fn(c.request);
    Recount();
  }

  // Merges all chunks into one request (copies span data) and returns it. For tests and for
  // encoders that need one message.
  otlp::ExportRequest ToRequest() const;

 private:
  struct Chunk {
    std::unique_ptr<google::protobuf::Arena> arena;
    otlp::ExportRequest* request = nullptr;  // owned by arena
    size_t span_count = 0;
  };

  static size_t CountSpans(const otlp::ExportRequest& request);
  void AddChunk(Chunk chunk);
  void Recount();

  std::vector<Chunk> chunks_;
  size_t span_count_ = 0;
};

}  // namespace weir::pipeline
