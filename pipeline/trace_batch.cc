#include "absl/strings/string_view.h"
#include "pipeline/trace_batch.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace weir::pipeline {
namespace {

using google::protobuf::Arena;

// Reads a sequence of byte slices as one stream, without joining them.
class SliceInputStream final : public google::protobuf::io::ZeroCopyInputStream {
 public:
  explicit SliceInputStream(absl::Span<const absl::string_view> slices) : slices_(slices) {}

  bool Next(const void** data, int* size) override {
    while (index_ < slices_.size()) {
      absl::string_view s = slices_[index_];
      if (offset_ < s.size()) {
        *data = s.data() + offset_;
        *size = static_cast<int>(s.size() - offset_);
        last_size_ = *size;
        byte_count_ += *size;
        ++index_;
        offset_ = 0;
        return true;
      }
      ++index_;
      offset_ = 0;
    }
    last_size_ = 0;
    return false;
  }
  void BackUp(int count) override {
    --index_;
    offset_ = slices_[index_].size() - count;
    byte_count_ -= count;
  }
  bool Skip(int count) override {
    const void* data;
    int size;
    while (count > 0) {
      if (!Next(&data, &size)) return false;
      if (size > count) {
        BackUp(size - count);
        return true;
      }
      count -= size;
    }
    return true;
  }
  int64_t ByteCount() const override { return byte_count_; }

 private:
  absl::Span<const absl::string_view> slices_;
  size_t index_ = 0;
  size_t offset_ = 0;
  int last_size_ = 0;
  int64_t byte_count_ = 0;
};

absl::Status MalformedRequest() {
  return absl::InvalidArgumentError(
      "request body is not a valid protobuf-encoded ExportTraceServiceRequest");
}

}  // namespace

TraceBatch::TraceBatch() = default;
TraceBatch::~TraceBatch() = default;
TraceBatch::TraceBatch(TraceBatch&& other) noexcept
    : chunks_(std::move(other.chunks_)), span_count_(std::exchange(other.span_count_, 0)) {
  other.chunks_.clear();
}
TraceBatch& TraceBatch::operator=(TraceBatch&& other) noexcept {
  chunks_ = std::move(other.chunks_);
  other.chunks_.clear();
  span_count_ = std::exchange(other.span_count_, 0);
  return *this;
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoBytes(absl::string_view bytes) {
  auto arena = std::make_unique<Arena>();
  auto* request = Arena::CreateMessage<otlp::ExportRequest>(arena.get());
  if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return MalformedRequest();
  }
  return Adopt(std::move(arena), request);
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoSlices(absl::Span<const absl::string_view> slices) {
  if (slices.size() == 1) return FromProtoBytes(slices[0]);
  auto arena = std::make_unique<Arena>();
  auto* request = Arena::CreateMessage<otlp::ExportRequest>(arena.get());
  SliceInputStream stream(slices);
  if (!request->ParseFromZeroCopyStream(&stream)) return MalformedRequest();
  return Adopt(std::move(arena), request);
}

TraceBatch TraceBatch::FromRequest(const otlp::ExportRequest& request) {
  auto arena = std::make_unique<Arena>();
  auto* copy = Arena::CreateMessage<otlp::ExportRequest>(arena.get());
  copy->CopyFrom(request);
  return Adopt(std::move(arena), copy);
}

TraceBatch TraceBatch::Adopt(std::unique_ptr<Arena> arena, otlp::ExportRequest* request) {
  TraceBatch batch;
  Chunk chunk{std::move(arena), request, CountSpans(*request)};
  batch.AddChunk(std::move(chunk));
  return batch;
}

size_t TraceBatch::CountSpans(const otlp::ExportRequest& request) {
  size_t n = 0;
  for (const auto& rs : request.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  return n;
}

void TraceBatch::AddChunk(Chunk chunk) {
  if (chunk.request->resource_spans_size() == 0) return;
  span_count_ += chunk.span_count;
  chunks_.push_back(std::move(chunk));
}

void TraceBatch::Recount() {
  span_count_ = 0;
  for (Chunk& c : chunks_) {
    c.span_count = CountSpans(*c.request);
    span_count_ += c.span_count;
  }
}

size_t TraceBatch::ByteSize() const {
  size_t n = 0;
  for (const Chunk& c : chunks_) n += c.request->ByteSizeLong();
  return n;
}

void TraceBatch::AppendProtoTo(std::string* out) const {
  for (const Chunk& c : chunks_) c.request->AppendToString(out);
}

std::string TraceBatch::ToProtoBytes() const {
  std::string out;
  out.reserve(ByteSize());
  AppendProtoTo(&out);
  return out;
}

void TraceBatch::Append(TraceBatch&& other) {
  if (chunks_.empty()) {
    *this = std::move(other);
    return;
  }
  for (Chunk& c : other.chunks_) chunks_.push_back(std::move(c));
  span_count_ += other.span_count_;
  other.chunks_.clear();
  other.span_count_ = 0;
}

TraceBatch TraceBatch::SplitFront(size_t max_spans) {
  TraceBatch front;
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
  front.AddChunk(Chunk{std::move(arena), head, taken});
  return front;
}

TraceBatch TraceBatch::Clone() const {
  TraceBatch copy;
  for (const Chunk& c : chunks_) {
    auto arena = std::make_unique<Arena>();
    auto* request = Arena::CreateMessage<otlp::ExportRequest>(arena.get());
    request->CopyFrom(*c.request);
    copy.AddChunk(Chunk{std::move(arena), request, c.span_count});
  }
  return copy;
}

otlp::ExportRequest TraceBatch::ToRequest() const {
  otlp::ExportRequest merged;
  for (const Chunk& c : chunks_) merged.MergeFrom(*c.request);
  return merged;
}

}  // namespace weir::pipeline
