#include "pipeline/trace_batch.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace weir::pipeline {
namespace {

using google::protobuf::Arena;

}  // namespace

TraceBatch::TraceBatch() = default;
TraceBatch::~TraceBatch() = default;
TraceBatch::TraceBatch(TraceBatch&& other) noexcept
    : chunks_(std::move(other.chunks_)),
      span_count_(std::exchange(other.span_count_, 0)),
      received_at_ns_(std::exchange(other.received_at_ns_, 0)) {
  other.chunks_.clear();
}
TraceBatch& TraceBatch::operator=(TraceBatch&& other) noexcept {
  chunks_ = std::move(other.chunks_);
  other.chunks_.clear();
  span_count_ = std::exchange(other.span_count_, 0);
  received_at_ns_ = std::exchange(other.received_at_ns_, 0);
  return *this;
}

absl::StatusOr<TraceBatch> TraceBatch::FromOwnedBytes(std::shared_ptr<const std::string> owner) {
  Chunk chunk;
  chunk.bytes = absl::string_view(*owner);
  if (absl::Status s = otlp::wire::ScanRequest(chunk.bytes, &chunk.index); !s.ok()) return s;
  chunk.owner = std::move(owner);
  chunk.span_count = chunk.index.spans.size();
  TraceBatch batch;
  batch.AddChunk(std::move(chunk));
  return batch;
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoBytes(std::string&& bytes) {
  return FromOwnedBytes(std::make_shared<const std::string>(std::move(bytes)));
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoBytes(absl::string_view bytes) {
  return FromOwnedBytes(std::make_shared<const std::string>(bytes.data(), bytes.size()));
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoSlices(absl::Span<const absl::string_view> slices) {
  size_t total = 0;
  for (absl::string_view s : slices) total += s.size();
  std::string joined;
  joined.reserve(total);
  for (absl::string_view s : slices) joined.append(s.data(), s.size());
  return FromProtoBytes(std::move(joined));
}

TraceBatch TraceBatch::FromRequest(const otlp::ExportRequest& request) {
  auto arena = std::make_unique<Arena>();
  auto* copy = Arena::CreateMessage<otlp::ExportRequest>(arena.get());
  copy->CopyFrom(request);
  return Adopt(std::move(arena), copy);
}

TraceBatch TraceBatch::Adopt(std::unique_ptr<Arena> arena, otlp::ExportRequest* request) {
  TraceBatch batch;
  Chunk chunk;
  chunk.arena = std::move(arena);
  chunk.request = request;
  chunk.span_count = CountSpans(*request);
  batch.AddChunk(std::move(chunk));
  return batch;
}

size_t TraceBatch::CountSpans(const otlp::ExportRequest& request) {
  size_t n = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  return n;
}

SpanSummary TraceBatch::Summarize(absl::string_view bytes, const otlp::wire::SpanEntry& e) {
  SpanSummary s;
  s.trace_id = bytes.substr(e.trace_id.offset, e.trace_id.size);
  s.span_id = bytes.substr(e.span_id.offset, e.span_id.size);
  s.parent_span_id = bytes.substr(e.parent_span_id.offset, e.parent_span_id.size);
  s.name = bytes.substr(e.name.offset, e.name.size);
  s.start_time_unix_nano = e.start_time_unix_nano;
  s.end_time_unix_nano = e.end_time_unix_nano;
  s.status_code = e.status_code;
  return s;
}

SpanSummary TraceBatch::Summarize(const otlp::Span& span) {
  SpanSummary s;
  s.trace_id = span.trace_id();
  s.span_id = span.span_id();
  s.parent_span_id = span.parent_span_id();
  s.name = span.name();
  s.start_time_unix_nano = span.start_time_unix_nano();
  s.end_time_unix_nano = span.end_time_unix_nano();
  s.status_code = static_cast<uint32_t>(span.status().code());
  return s;
}

const otlp::ExportRequest& TraceBatch::Decoded(const Chunk& chunk) {
  if (chunk.request == nullptr) {
    chunk.arena = std::make_unique<Arena>();
    chunk.request = Arena::CreateMessage<otlp::ExportRequest>(chunk.arena.get());
    // Cannot fail: the bytes passed the validating scan, which accepts what protobuf accepts.
    chunk.request->ParseFromArray(chunk.bytes.data(), static_cast<int>(chunk.bytes.size()));
  }
  return *chunk.request;
}

void TraceBatch::MakeDecoded(Chunk& chunk) {
  if (!chunk.IsWire()) return;
  Decoded(chunk);
  chunk.owner.reset();
  chunk.bytes = absl::string_view();
  chunk.index.Clear();
}

void TraceBatch::AddChunk(Chunk chunk) {
  bool empty =
      chunk.IsWire() ? chunk.index.resources.empty() : chunk.request->resource_spans_size() == 0;
  if (empty) return;
  span_count_ += chunk.span_count;
  chunks_.push_back(std::move(chunk));
}

void TraceBatch::Recount() {
  span_count_ = 0;
  for (Chunk& c : chunks_) {
    c.span_count = c.IsWire() ? c.index.spans.size() : CountSpans(*c.request);
    span_count_ += c.span_count;
  }
}

size_t TraceBatch::ResourceCount() const {
  size_t n = 0;
  for (const Chunk& c : chunks_) {
    n += c.IsWire() ? c.index.resources.size()
                    : static_cast<size_t>(c.request->resource_spans_size());
  }
  return n;
}

size_t TraceBatch::ByteSize() const {
  size_t n = 0;
  for (const Chunk& c : chunks_) n += c.IsWire() ? c.bytes.size() : c.request->ByteSizeLong();
  return n;
}

void TraceBatch::AppendProtoTo(std::string* out) const {
  for (const Chunk& c : chunks_) {
    if (c.IsWire())
      out->append(c.bytes.data(), c.bytes.size());
    else
      c.request->AppendToString(out);
  }
}

std::string TraceBatch::ToProtoBytes() const {
  std::string out;
  out.reserve(ByteSize());
  AppendProtoTo(&out);
  return out;
}

void TraceBatch::Append(TraceBatch&& other) {
  if (other.received_at_ns_ != 0 &&
      (received_at_ns_ == 0 || other.received_at_ns_ < received_at_ns_)) {
    received_at_ns_ = other.received_at_ns_;
  }
  if (chunks_.empty()) {
    chunks_ = std::move(other.chunks_);
    span_count_ = other.span_count_;
  } else {
    for (Chunk& c : other.chunks_) chunks_.push_back(std::move(c));
    span_count_ += other.span_count_;
  }
  other.chunks_.clear();
  other.span_count_ = 0;
  other.received_at_ns_ = 0;
}

TraceBatch TraceBatch::SplitFront(size_t max_spans) {
  TraceBatch front;
  front.received_at_ns_ = received_at_ns_;
  size_t moved_chunks = 0;
  while (moved_chunks < chunks_.size() &&
         front.span_count_ + chunks_[moved_chunks].span_count <= max_spans) {
    front.span_count_ += chunks_[moved_chunks].span_count;
    front.chunks_.push_back(std::move(chunks_[moved_chunks]));
    ++moved_chunks;
  }
  chunks_.erase(chunks_.begin(), chunks_.begin() + moved_chunks);
  span_count_ -= front.span_count_;

  size_t need = max_spans - front.span_count_;
  if (need == 0 || chunks_.empty()) return front;

  // Split the straddling chunk: copy its first `need` spans into a new chunk.
  Chunk& source = chunks_.front();
  MakeDecoded(source);
  auto arena = std::make_unique<Arena>();
  auto* head = Arena::CreateMessage<otlp::ExportRequest>(arena.get());
  auto* source_rss = source.request->mutable_resource_spans();
  size_t taken = 0;
  while (taken < need && source_rss->size() > 0) {
    otlp::ResourceSpans* rs = source_rss->Mutable(0);
    otlp::ResourceSpans* head_rs = head->add_resource_spans();
    if (rs->has_resource()) *head_rs->mutable_resource() = rs->resource();
    head_rs->set_schema_url(rs->schema_url());
    auto* scopes = rs->mutable_scope_spans();
    while (taken < need && scopes->size() > 0) {
      otlp::ScopeSpans* ss = scopes->Mutable(0);
      otlp::ScopeSpans* head_ss = head_rs->add_scope_spans();
      if (ss->has_scope()) *head_ss->mutable_scope() = ss->scope();
      head_ss->set_schema_url(ss->schema_url());
      int take = static_cast<int>(std::min<size_t>(need - taken, ss->spans_size()));
      for (int i = 0; i < take; ++i) *head_ss->add_spans() = ss->spans(i);
      ss->mutable_spans()->DeleteSubrange(0, take);
      taken += take;
      if (ss->spans_size() == 0) scopes->DeleteSubrange(0, 1);
    }
    if (scopes->empty()) source_rss->DeleteSubrange(0, 1);
  }
  source.span_count -= taken;
  span_count_ -= taken;
  if (source_rss->empty()) chunks_.erase(chunks_.begin());
  Chunk piece;
  piece.arena = std::move(arena);
  piece.request = head;
  piece.span_count = taken;
  front.AddChunk(std::move(piece));
  return front;
}

TraceBatch TraceBatch::Clone() const {
  TraceBatch copy;
  copy.received_at_ns_ = received_at_ns_;
  for (const Chunk& c : chunks_) {
    Chunk piece;
    piece.span_count = c.span_count;
    if (c.IsWire()) {
      piece.owner = c.owner;
      piece.bytes = c.bytes;
      piece.index = c.index;
    } else {
      piece.arena = std::make_unique<Arena>();
      piece.request = Arena::CreateMessage<otlp::ExportRequest>(piece.arena.get());
      piece.request->CopyFrom(*c.request);
    }
    copy.AddChunk(std::move(piece));
  }
  return copy;
}

otlp::ExportRequest TraceBatch::ToRequest() const {
  otlp::ExportRequest merged;
  for (const Chunk& c : chunks_) merged.MergeFrom(Decoded(c));
  return merged;
}

}  // namespace weir::pipeline
