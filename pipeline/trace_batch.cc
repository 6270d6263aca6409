#include "pipeline/trace_batch.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pipeline/otlp/wire_splice.h"

namespace weir::pipeline {

using otlp::wire::SplicePlan;

TraceBatch::TraceBatch() = default;
TraceBatch::~TraceBatch() = default;
TraceBatch::TraceBatch(TraceBatch&& other) noexcept
    : chunks_(std::move(other.chunks_)),
      span_count_(std::exchange(other.span_count_, 0)),
      byte_size_(std::exchange(other.byte_size_, 0)),
      memory_bytes_(std::exchange(other.memory_bytes_, 0)),
      received_at_ns_(std::exchange(other.received_at_ns_, 0)) {
  other.chunks_.clear();
}
TraceBatch& TraceBatch::operator=(TraceBatch&& other) noexcept {
  chunks_ = std::move(other.chunks_);
  other.chunks_.clear();
  span_count_ = std::exchange(other.span_count_, 0);
  byte_size_ = std::exchange(other.byte_size_, 0);
  memory_bytes_ = std::exchange(other.memory_bytes_, 0);
  received_at_ns_ = std::exchange(other.received_at_ns_, 0);
  return *this;
}

size_t TraceBatch::ChunkMemory(const WireRequest& chunk) {
  return sizeof(WireRequest) + chunk.bytes.capacity() + chunk.index.MemoryBytes();
}

TraceBatch::Chunk TraceBatch::Seal(std::shared_ptr<WireRequest> chunk) {
  chunk->charge = MemoryBudget::Process().Charge(ChunkMemory(*chunk));
  return chunk;
}

absl::StatusOr<TraceBatch> TraceBatch::FromOwnedBytes(std::string&& bytes, size_t max_spans) {
  auto chunk = std::make_shared<WireRequest>();
  chunk->bytes = std::move(bytes);
  if (absl::Status s = otlp::wire::ScanRequest(chunk->bytes, &chunk->index, max_spans); !s.ok())
    return s;
  TraceBatch batch;
  batch.AddChunk(Seal(std::move(chunk)));
  return batch;
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoBytes(std::string&& bytes, size_t max_spans) {
  return FromOwnedBytes(std::move(bytes), max_spans);
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoBytes(absl::string_view bytes) {
  return FromOwnedBytes(std::string(bytes));
}

absl::StatusOr<TraceBatch> TraceBatch::FromProtoSlices(absl::Span<const absl::string_view> slices,
                                                       size_t max_spans) {
  size_t total = 0;
  for (absl::string_view s : slices) total += s.size();
  std::string joined;
  joined.reserve(total);
  for (absl::string_view s : slices) joined.append(s.data(), s.size());
  return FromOwnedBytes(std::move(joined), max_spans);
}

absl::StatusOr<TraceBatch> TraceBatch::EncodeRequest(const otlp::ExportRequest& request) {
  return FromOwnedBytes(request.SerializeAsString());
}

TraceBatch TraceBatch::FromRequest(const otlp::ExportRequest& request) {
  absl::StatusOr<TraceBatch> batch = EncodeRequest(request);
  return batch.ok() ? std::move(*batch) : TraceBatch();
}

void TraceBatch::Decode(const WireRequest& chunk, otlp::ExportRequest* out) {
  // Cannot fail: the bytes passed the validating scan, which accepts what protobuf accepts.
  out->ParseFromArray(chunk.bytes.data(), static_cast<int>(chunk.bytes.size()));
}

google::protobuf::ArenaOptions TraceBatch::DecodeArenaOptions(const WireRequest& chunk) {
  // Decoded messages take about twice their encoding.
  google::protobuf::ArenaOptions options;
  options.start_block_size = std::max<size_t>(4096, chunk.bytes.size() * 2);
  options.max_block_size = std::max<size_t>(options.start_block_size, 1 << 20);
  return options;
}

void TraceBatch::AddChunk(Chunk chunk) {
  if (chunk->index.resources.empty()) return;
  span_count_ += chunk->index.spans.size();
  byte_size_ += chunk->bytes.size();
  memory_bytes_ += ChunkMemory(*chunk);
  chunks_.push_back(std::move(chunk));
}

void TraceBatch::Recount() {
  span_count_ = byte_size_ = memory_bytes_ = 0;
  for (const Chunk& c : chunks_) {
    span_count_ += c->index.spans.size();
    byte_size_ += c->bytes.size();
    memory_bytes_ += ChunkMemory(*c);
  }
}

size_t TraceBatch::ResourceCount() const {
  size_t n = 0;
  for (const Chunk& c : chunks_) n += c->index.resources.size();
  return n;
}

void TraceBatch::AppendProtoTo(std::string* out) const {
  for (const Chunk& c : chunks_) out->append(c->bytes);
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
  } else {
    for (Chunk& c : other.chunks_) chunks_.push_back(std::move(c));
  }
  span_count_ += other.span_count_;
  byte_size_ += other.byte_size_;
  memory_bytes_ += other.memory_bytes_;
  other.chunks_.clear();
  other.span_count_ = other.byte_size_ = other.memory_bytes_ = 0;
  other.received_at_ns_ = 0;
}

namespace {

// Splices spans [begin, end) of `chunk` into a new chunk (resources and scopes without spans
// dropped). Cannot fail: without replacements a splice only re-frames valid bytes.
std::shared_ptr<WireRequest> SpliceRange(const WireRequest& chunk, uint32_t begin, uint32_t end) {
  std::vector<uint32_t> spans(end - begin);
  for (uint32_t i = begin; i < end; ++i) spans[i - begin] = i;
  auto out = std::make_shared<WireRequest>();
  SplicePlan plan;
  plan.spans = spans;
  otlp::wire::Splice(chunk.bytes, chunk.index, plan, &out->bytes, &out->index).IgnoreError();
  return out;
}

}  // namespace

TraceBatch TraceBatch::SplitFront(size_t max_spans) {
  TraceBatch front;
  front.received_at_ns_ = received_at_ns_;
  size_t moved = 0;
  while (moved < chunks_.size() &&
         front.span_count_ + chunks_[moved]->index.spans.size() <= max_spans) {
    front.AddChunk(std::move(chunks_[moved]));
    ++moved;
  }
  chunks_.erase(chunks_.begin(), chunks_.begin() + moved);
  size_t need = max_spans - front.span_count_;
  if (need > 0 && !chunks_.empty()) {
    const WireRequest& source = *chunks_.front();
    const uint32_t n = static_cast<uint32_t>(source.index.spans.size());
    front.AddChunk(Seal(SpliceRange(source, 0, static_cast<uint32_t>(need))));
    chunks_.front() = Seal(SpliceRange(source, static_cast<uint32_t>(need), n));
  }
  Recount();
  return front;
}

TraceBatch TraceBatch::Clone() const {
  TraceBatch copy;
  copy.chunks_ = chunks_;
  copy.span_count_ = span_count_;
  copy.byte_size_ = byte_size_;
  copy.memory_bytes_ = memory_bytes_;
  copy.received_at_ns_ = received_at_ns_;
  return copy;
}

SpanView TraceBatch::SpanAt(size_t position) const {
  for (const Chunk& c : chunks_) {
    const size_t n = c->index.spans.size();
    if (position < n) return SpanView(c.get(), static_cast<uint32_t>(position));
    position -= n;
  }
  // Out of range: a precondition violation; answer the last span rather than read past.
  const Chunk& last = chunks_.back();
  return SpanView(last.get(), static_cast<uint32_t>(last->index.spans.size() - 1));
}

TraceBatch TraceBatch::Subset(absl::Span<const uint32_t> positions) const {
  TraceBatch out;
  out.received_at_ns_ = received_at_ns_;
  size_t next = 0;  // the first position not yet placed
  size_t base = 0;  // the position of the current chunk's first span
  std::vector<uint32_t> local;
  for (const Chunk& c : chunks_) {
    const size_t n = c->index.spans.size();
    local.clear();
    while (next < positions.size() && positions[next] < base + n) {
      local.push_back(static_cast<uint32_t>(positions[next] - base));
      ++next;
    }
    base += n;
    if (local.empty()) continue;
    if (local.size() == n) {
      out.AddChunk(c);
      continue;
    }
    auto spliced = std::make_shared<WireRequest>();
    SplicePlan plan;
    plan.spans = local;
    // Cannot fail: without replacements a splice only re-frames valid bytes.
    otlp::wire::Splice(c->bytes, c->index, plan, &spliced->bytes, &spliced->index).IgnoreError();
    out.AddChunk(Seal(std::move(spliced)));
  }
  return out;
}

std::vector<TraceBatch> TraceBatch::SplitChunks() && {
  std::vector<TraceBatch> parts;
  parts.reserve(chunks_.size());
  for (Chunk& c : chunks_) {
    TraceBatch& part = parts.emplace_back();
    part.received_at_ns_ = received_at_ns_;
    part.AddChunk(std::move(c));
  }
  chunks_.clear();
  Recount();
  return parts;
}

std::vector<BatchPart> TraceBatch::Partition(
    absl::FunctionRef<absl::string_view(const SpanView&)> key) const {
  std::vector<BatchPart> parts;
  absl::flat_hash_map<std::string, size_t> part_of;
  std::vector<std::vector<uint32_t>> groups;  // per chunk: the spans of each local key
  std::vector<size_t> group_part;
  absl::flat_hash_map<absl::string_view, size_t> group_of;
  for (const Chunk& c : chunks_) {
    const uint32_t n = static_cast<uint32_t>(c->index.spans.size());
    if (n == 0) continue;
    groups.clear();
    group_part.clear();
    group_of.clear();
    for (uint32_t i = 0; i < n; ++i) {
      absl::string_view k = key(SpanView(c.get(), i));
      auto [it, inserted] = group_of.try_emplace(k, groups.size());
      if (inserted) {
        groups.emplace_back();
        auto [pit, new_part] = part_of.try_emplace(std::string(k), parts.size());
        if (new_part) {
          BatchPart& p = parts.emplace_back();
          p.key = std::string(k);
          p.batch.received_at_ns_ = received_at_ns_;
        }
        group_part.push_back(pit->second);
      }
      groups[it->second].push_back(i);
    }
    if (groups.size() == 1) {
      parts[group_part[0]].batch.AddChunk(c);
      continue;
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      auto out = std::make_shared<WireRequest>();
      SplicePlan plan;
      plan.spans = groups[g];
      // Cannot fail: without replacements a splice only re-frames valid bytes.
      otlp::wire::Splice(c->bytes, c->index, plan, &out->bytes, &out->index).IgnoreError();
      parts[group_part[g]].batch.AddChunk(Seal(std::move(out)));
    }
  }
  return parts;
}

size_t TraceBatch::RetainSpans(absl::FunctionRef<bool(const SpanView&)> keep) {
  size_t removed = 0;
  std::vector<uint32_t> kept;
  std::vector<Chunk> out;
  out.reserve(chunks_.size());
  for (Chunk& c : chunks_) {
    const uint32_t n = static_cast<uint32_t>(c->index.spans.size());
    kept.clear();
    for (uint32_t i = 0; i < n; ++i)
      if (keep(SpanView(c.get(), i))) kept.push_back(i);
    removed += n - kept.size();
    if (kept.size() == n) {
      out.push_back(std::move(c));
      continue;
    }
    if (kept.empty()) continue;
    auto spliced = std::make_shared<WireRequest>();
    SplicePlan plan;
    plan.spans = kept;
    plan.keep_empty = true;
    otlp::wire::Splice(c->bytes, c->index, plan, &spliced->bytes, &spliced->index).IgnoreError();
    out.push_back(Seal(std::move(spliced)));
  }
  chunks_ = std::move(out);
  Recount();
  return removed;
}

absl::Status TraceBatch::Mutate(absl::FunctionRef<void(otlp::ExportRequest*)> fn) {
  absl::Status status;
  std::vector<Chunk> out;
  for (Chunk& c : chunks_) {
    otlp::ExportRequest request;
    Decode(*c, &request);
    fn(&request);
    auto changed = std::make_shared<WireRequest>();
    changed->bytes = request.SerializeAsString();
    if (absl::Status s = otlp::wire::ScanRequest(changed->bytes, &changed->index); !s.ok()) {
      if (status.ok()) status = s;
      out.push_back(std::move(c));
      continue;
    }
    if (!changed->index.resources.empty()) out.push_back(Seal(std::move(changed)));
  }
  chunks_ = std::move(out);
  Recount();
  return status;
}

otlp::ExportRequest TraceBatch::ToRequest() const {
  otlp::ExportRequest merged;
  for (const Chunk& c : chunks_) {
    otlp::ExportRequest decoded;
    Decode(*c, &decoded);
    merged.MergeFrom(decoded);
  }
  return merged;
}

}  // namespace weir::pipeline
