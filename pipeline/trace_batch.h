// TraceBatch: the one unit of spans that flows between pipeline stages.
//
// A batch is a sequence of chunks. Each chunk is one OTLP ExportTraceServiceRequest kept as
// protobuf bytes with the index a validating scan built (where each resource, scope and span
// lies; ids, name, times, status, kind, flags and trace state per span). Chunks are immutable
// and shared: Clone copies pointers, and every operation that changes spans builds new chunks
// by splicing byte ranges. Encoding writes the chunks back to back, which is itself a valid
// ExportTraceServiceRequest because OTLP's top-level field is repeated. So the common path
// (receive → batch → OTLP export) copies no span and decodes nothing, and processors decode
// only the spans they change.
//
// Reading:
//   - ForEachSpanView: a SpanView per span (span_view.h): index fields, the span's resource and
//     scope, attributes, events and links read on the wire.
//   - ForEachResourceSpans / ForEachSpan / ToRequest: full protobuf views, decoded for the call
//     and not kept (for exporters that must render everything, e.g. debug or JSON).
// Changing (all on the wire):
//   - Append, SplitFront, Partition (e.g. by trace id), RetainSpans (drop spans);
//   - EditSpans / EditResources: the callback decodes only the span, resource or scope it
//     changes (SpanEditor); those are re-encoded and spliced in, untouched spans stay bytes;
//   - Mutate: decode whole chunks, for code that needs the full message (rare).
//
// Sizes: span_count() and ByteSize() (the exact encoded size) are O(1); MemoryBytes() is the
// heap the batch holds (bytes plus index), also O(1), for memory budgets.
//
// Threading: a TraceBatch is a move-only value owned by one thread at a time. Its const methods
// are safe to call from several threads at once (nothing is cached or changed on read); chunks
// are shared between clones immutably.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/arena.h"
#include "pipeline/otlp/types.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/span_view.h"

namespace weir::pipeline {

class SpanEditor;
class ResourceEditor;
class ScopeEditor;
struct BatchPart;
namespace internal {
struct ChunkEdit;  // the state of an EditSpans / EditResources pass over one chunk
}  // namespace internal

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
  // indexes it. Returns InvalidArgument naming the problem when protobuf would refuse it, and
  // ResourceExhausted when it holds more than `max_spans` spans (receivers bound the index a
  // request may cost).
  static absl::StatusOr<TraceBatch> FromProtoBytes(std::string&& bytes,
                                                   size_t max_spans = SIZE_MAX);
  // Same, copying the bytes (for callers that do not own a std::string).
  static absl::StatusOr<TraceBatch> FromProtoBytes(absl::string_view bytes);
  // Same, from a buffer made of several slices (e.g. a gRPC ByteBuffer); joins them once.
  static absl::StatusOr<TraceBatch> FromProtoSlices(absl::Span<const absl::string_view> slices,
                                                    size_t max_spans = SIZE_MAX);
  // Encodes a decoded request (e.g. from OTLP/JSON) and indexes it. InvalidArgument when the
  // message holds what its encoding may not (a string field with invalid UTF-8).
  static absl::StatusOr<TraceBatch> EncodeRequest(const otlp::ExportRequest& request);
  // The same for requests built in code, which hold valid UTF-8.
  // REQUIRES: EncodeRequest(request) succeeds; otherwise the batch is empty.
  static TraceBatch FromRequest(const otlp::ExportRequest& request);

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

  // Encoded protobuf size of the whole batch, in bytes. O(1).
  size_t ByteSize() const { return byte_size_; }
  // Heap bytes held by the batch's chunks (shared chunks count in full in every holder). O(1).
  size_t MemoryBytes() const { return memory_bytes_; }

  // Appends the protobuf encoding of the batch (one ExportTraceServiceRequest) to *out.
  void AppendProtoTo(std::string* out) const;
  std::string ToProtoBytes() const;

  // Moves all chunks of `other` to the end of this batch. `other` is left empty.
  void Append(TraceBatch&& other);

  // Removes and returns the first `max_spans` spans (all if there are fewer). Whole chunks move;
  // the chunk that straddles the limit is spliced in two. REQUIRES: max_spans > 0.
  TraceBatch SplitFront(size_t max_spans);

  // An independent copy; chunks are shared (they are immutable). O(chunks).
  TraceBatch Clone() const;

  // Calls fn(const SpanView&) for every span in order.
  template <typename Fn>
  void ForEachSpanView(Fn&& fn) const {
    for (const auto& c : chunks_) {
      for (uint32_t i = 0; i < c->index.spans.size(); ++i) fn(SpanView(c.get(), i));
    }
  }

  // The span at `position` (0-based over the whole batch, in ForEachSpanView order). O(chunks);
  // O(1) for a batch of one chunk. REQUIRES: position < span_count().
  SpanView SpanAt(size_t position) const;

  // A batch of the spans at `positions` (0-based, strictly ascending), in order, spliced out of
  // this one; chunks whose spans are all selected are shared. Resources and scopes left
  // without spans are not carried over. REQUIRES: every position < span_count().
  TraceBatch Subset(absl::Span<const uint32_t> positions) const;

  // Moves every chunk into a batch of its own, in order, and leaves this batch empty. For
  // components that hold spans by position for a while (SpanAt is O(1) on each part).
  std::vector<TraceBatch> SplitChunks() &&;

  // One batch per distinct key, in the order keys first appear; spans keep their order within
  // a part. `key(span)` may return a view into the span (e.g. span.trace_id()); it is copied.
  // A chunk whose spans all share one key is shared, not copied; others are spliced. Resources
  // and scopes without spans are not carried into the parts.
  std::vector<BatchPart> Partition(absl::FunctionRef<absl::string_view(const SpanView&)> key) const;

  // Keeps the spans for which keep(span) is true, removing the others by splicing. A resource or
  // scope left without spans is removed; one that had none stays. Returns how many were removed.
  size_t RetainSpans(absl::FunctionRef<bool(const SpanView&)> keep);

  // Calls fn(SpanEditor&) for every span in order. Through the editor the callback reads the
  // span, changes it, its resource or its scope (only what it asks for is decoded), or drops
  // it. Changed parts are re-encoded and spliced into their chunk; unchanged chunks stay as
  // they are. Returns InvalidArgument, and leaves that chunk unchanged, when an edit made a
  // message that cannot be encoded (e.g. a string with invalid UTF-8).
  absl::Status EditSpans(absl::FunctionRef<void(SpanEditor&)> fn);

  // Calls fn(ResourceEditor&) for every resource in order, to change or drop resources (with
  // all their spans) without visiting spans. Errors as EditSpans.
  absl::Status EditResources(absl::FunctionRef<void(ResourceEditor&)> fn);

  // Calls fn(ScopeEditor&) for every instrumentation scope in order, those without spans too,
  // to change scopes without visiting spans. Errors as EditSpans.
  absl::Status EditScopes(absl::FunctionRef<void(ScopeEditor&)> fn);

  // Full read access: calls fn(const otlp::ResourceSpans&) for every resource in order. Each
  // chunk is decoded for the call; nothing is kept.
  // Each chunk is decoded on an arena (one allocation per block, freed at once), which makes
  // decoding and freeing several times cheaper than message by message.
  template <typename Fn>
  void ForEachResourceSpans(Fn&& fn) const {
    for (const auto& c : chunks_) {
      google::protobuf::Arena arena(DecodeArenaOptions(*c));
      auto* decoded = google::protobuf::Arena::CreateMessage<otlp::ExportRequest>(&arena);
      Decode(*c, decoded);
      for (const auto& rs : decoded->resource_spans()) fn(rs);
    }
  }

  // Full read access: calls fn(resource_spans, scope_spans, span) for every span in order.
  template <typename Fn>
  void ForEachSpan(Fn&& fn) const {
    ForEachResourceSpans([&](const otlp::ResourceSpans& rs) {
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) fn(rs, ss, span);
    });
  }

  // Decodes each chunk, calls fn(otlp::ExportRequest*) on it and re-encodes it. Prefer
  // EditSpans, which decodes only what changes. Errors as EditSpans.
  absl::Status Mutate(absl::FunctionRef<void(otlp::ExportRequest*)> fn);

  // Merges all chunks into one decoded request and returns it.
  otlp::ExportRequest ToRequest() const;

 private:
  using Chunk = std::shared_ptr<const WireRequest>;

  static absl::StatusOr<TraceBatch> FromOwnedBytes(std::string&& bytes,
                                                   size_t max_spans = SIZE_MAX);
  static void Decode(const WireRequest& chunk, otlp::ExportRequest* out);
  // Arena blocks sized for decoding `chunk` in about one block.
  static google::protobuf::ArenaOptions DecodeArenaOptions(const WireRequest& chunk);
  static size_t ChunkMemory(const WireRequest& chunk);
  // Charges a freshly built chunk to the process memory budget; every chunk passes here once.
  static Chunk Seal(std::shared_ptr<WireRequest> chunk);
  // Adds a chunk unless it holds no resource.
  void AddChunk(Chunk chunk);
  // Applies the edits recorded for chunk `i`; keeps it unchanged on error.
  absl::Status ApplyEdit(size_t i, internal::ChunkEdit& edit);
  // Recomputes the O(1) totals from the chunks.
  void Recount();

  std::vector<Chunk> chunks_;
  size_t span_count_ = 0;
  size_t byte_size_ = 0;
  size_t memory_bytes_ = 0;
  int64_t received_at_ns_ = 0;
};

// One part of TraceBatch::Partition: the key and the spans that have it.
struct BatchPart {
  std::string key;
  TraceBatch batch;
};

// What EditSpans hands its callback for one span.
class SpanEditor {
 public:
  // The span as it was received (unchanged by edits made through this editor).
  const SpanView& span() const { return view_; }
  // The span, decoded on first call; changes are encoded after the callback returns.
  otlp::Span* mutable_span();
  // Replaces the span's message body with `body` (a Span encoded by the caller, e.g. the
  // received bytes with one field inserted); checked like every edit. A span decoded with
  // mutable_span in the same pass keeps its decoded form instead.
  void set_wire_bytes(std::string body);
  // The span's resource, decoded once for all its spans in this EditSpans call; changes apply
  // to every span of that resource.
  otlp::Resource* mutable_resource();
  // The span's instrumentation scope, shared likewise by the spans of its scope.
  otlp::Scope* mutable_scope();
  // Removes the span.
  void Drop() { dropped_ = true; }

 private:
  friend class TraceBatch;
  SpanEditor(internal::ChunkEdit* edit, SpanView view, uint32_t span, uint32_t scope,
             uint32_t resource)
      : edit_(edit), view_(view), span_(span), scope_(scope), resource_(resource) {}

  internal::ChunkEdit* edit_;
  SpanView view_;
  uint32_t span_, scope_, resource_;
  bool dropped_ = false;
};

// What EditResources hands its callback for one resource.
class ScopeEditor {
 public:
  const ScopeView& scope() const { return view_; }
  // The scope, decoded on first call; changes are encoded after the callback returns.
  otlp::Scope* mutable_scope();

 private:
  friend class TraceBatch;
  ScopeEditor(internal::ChunkEdit* edit, ScopeView view, uint32_t scope)
      : edit_(edit), view_(view), scope_(scope) {}

  internal::ChunkEdit* edit_;
  ScopeView view_;
  uint32_t scope_;
};

class ResourceEditor {
 public:
  const ResourceView& resource() const { return view_; }
  // The resource, decoded on first call; changes are encoded after the callback returns.
  otlp::Resource* mutable_resource();
  // Removes the resource and all its spans.
  void Drop() { dropped_ = true; }

 private:
  friend class TraceBatch;
  ResourceEditor(internal::ChunkEdit* edit, ResourceView view, uint32_t resource)
      : edit_(edit), view_(view), resource_(resource) {}

  internal::ChunkEdit* edit_;
  ResourceView view_;
  uint32_t resource_;
  bool dropped_ = false;
};

// Calls fn(owner, attributes) for the attribute lists of a decoded span: its own (kSpan), then
// each event's (kEvent) and each link's (kLink). For processors that rewrite attributes wherever
// they are; a resource's and scope's lists are mutable_resource()->mutable_attributes() and
// mutable_scope()->mutable_attributes().
void ForEachAttributeList(
    otlp::Span* span,
    absl::FunctionRef<void(AttributeOwner, google::protobuf::RepeatedPtrField<otlp::KeyValue>*)>
        fn);

}  // namespace weir::pipeline
