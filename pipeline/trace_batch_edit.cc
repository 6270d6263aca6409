// TraceBatch's editing passes: EditSpans, EditResources and their editors. What a callback asks
// to change is decoded alone, re-encoded after the pass over its chunk, and spliced in.
#include <algorithm>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/arena.h"
#include "pipeline/otlp/wire_splice.h"
#include "pipeline/trace_batch.h"

namespace weir::pipeline {
namespace internal {

struct ChunkEdit {
  explicit ChunkEdit(const WireRequest& chunk)
      : chunk(chunk), dropped_spans(chunk.index.spans.size(), false) {}

  bool changed() const {
    return !spans.empty() || !raw_spans.empty() || !resources.empty() || !scopes.empty() ||
           any_dropped;
  }

  const WireRequest& chunk;
  // Decoded spans live on the arena: one allocation block instead of one per field, freed at
  // once with the pass.
  google::protobuf::Arena arena;
  // Decoded parts, by entry index (ordered: replacements are handed to the splice sorted).
  std::map<uint32_t, otlp::Span*> spans;      // on arena
  std::map<uint32_t, std::string> raw_spans;  // span bodies set on the wire (set_wire_bytes)
  std::map<uint32_t, std::unique_ptr<otlp::ResourceSpans>> resources;  // header only
  std::map<uint32_t, std::unique_ptr<otlp::ScopeSpans>> scopes;        // header only
  std::vector<bool> dropped_spans;
  std::vector<uint32_t> dropped_resources;  // ascending
  bool any_dropped = false;
};

}  // namespace internal

namespace {

otlp::ResourceSpans* DecodedResource(internal::ChunkEdit& edit, uint32_t r) {
  auto& slot = edit.resources[r];
  if (slot == nullptr) {
    slot = std::make_unique<otlp::ResourceSpans>();
    slot->ParseFromString(otlp::wire::ResourceHeader(edit.chunk.bytes, edit.chunk.index, r));
  }
  return slot.get();
}

otlp::ScopeSpans* DecodedScope(internal::ChunkEdit& edit, uint32_t s) {
  auto& slot = edit.scopes[s];
  if (slot == nullptr) {
    slot = std::make_unique<otlp::ScopeSpans>();
    slot->ParseFromString(otlp::wire::ScopeHeader(edit.chunk.bytes, edit.chunk.index, s));
  }
  return slot.get();
}

}  // namespace

otlp::Span* SpanEditor::mutable_span() {
  auto& slot = edit_->spans[span_];
  if (slot == nullptr) {
    slot = google::protobuf::Arena::CreateMessage<otlp::Span>(&edit_->arena);
    absl::string_view body = view_.wire_bytes();
    slot->ParseFromArray(body.data(), static_cast<int>(body.size()));
  }
  return slot;
}

void SpanEditor::set_wire_bytes(std::string body) { edit_->raw_spans[span_] = std::move(body); }

otlp::Resource* SpanEditor::mutable_resource() {
  return DecodedResource(*edit_, resource_)->mutable_resource();
}

otlp::Scope* SpanEditor::mutable_scope() { return DecodedScope(*edit_, scope_)->mutable_scope(); }

otlp::Scope* ScopeEditor::mutable_scope() { return DecodedScope(*edit_, scope_)->mutable_scope(); }

otlp::Resource* ResourceEditor::mutable_resource() {
  return DecodedResource(*edit_, resource_)->mutable_resource();
}

absl::Status TraceBatch::ApplyEdit(size_t i, internal::ChunkEdit& edit) {
  const WireRequest& chunk = *chunks_[i];
  std::vector<uint32_t> kept;
  kept.reserve(chunk.index.spans.size());
  for (uint32_t s = 0; s < chunk.index.spans.size(); ++s)
    if (!edit.dropped_spans[s]) kept.push_back(s);
  std::vector<otlp::wire::Replacement> span_bodies, resource_headers, scope_headers;
  for (auto& [index, span] : edit.spans)
    if (!edit.dropped_spans[index]) span_bodies.emplace_back(index, span->SerializeAsString());
  if (!edit.raw_spans.empty()) {
    for (auto& [index, body] : edit.raw_spans)
      if (!edit.dropped_spans[index] && !edit.spans.count(index))
        span_bodies.emplace_back(index, std::move(body));
    std::sort(span_bodies.begin(), span_bodies.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  for (auto& [index, rs] : edit.resources)
    resource_headers.emplace_back(index, rs->SerializeAsString());
  for (auto& [index, ss] : edit.scopes) scope_headers.emplace_back(index, ss->SerializeAsString());

  otlp::wire::SplicePlan plan;
  plan.spans = kept;
  plan.span_bodies = span_bodies;
  plan.resource_headers = resource_headers;
  plan.scope_headers = scope_headers;
  plan.keep_empty = true;
  plan.dropped_resources = edit.dropped_resources;
  auto out = std::make_shared<WireRequest>();
  if (absl::Status s = otlp::wire::Splice(chunk.bytes, chunk.index, plan, &out->bytes, &out->index);
      !s.ok()) {
    return s;
  }
  chunks_[i] = Seal(std::move(out));
  return absl::OkStatus();
}

absl::Status TraceBatch::EditSpans(absl::FunctionRef<void(SpanEditor&)> fn) {
  absl::Status status;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const WireRequest& chunk = *chunks_[i];
    internal::ChunkEdit edit(chunk);
    for (uint32_t s = 0; s < chunk.index.spans.size(); ++s) {
      uint32_t scope = chunk.index.spans[s].scope;
      SpanEditor editor(&edit, SpanView(&chunk, s), s, scope, chunk.index.scopes[scope].resource);
      fn(editor);
      if (editor.dropped_) {
        edit.dropped_spans[s] = true;
        edit.any_dropped = true;
      }
    }
    if (!edit.changed()) continue;
    if (absl::Status s = ApplyEdit(i, edit); !s.ok() && status.ok()) status = s;
  }
  std::erase_if(chunks_, [](const Chunk& c) { return c->index.resources.empty(); });
  Recount();
  return status;
}

absl::Status TraceBatch::EditResources(absl::FunctionRef<void(ResourceEditor&)> fn) {
  absl::Status status;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const WireRequest& chunk = *chunks_[i];
    internal::ChunkEdit edit(chunk);
    for (uint32_t r = 0; r < chunk.index.resources.size(); ++r) {
      ResourceEditor editor(&edit, ResourceView(&chunk, r), r);
      fn(editor);
      if (!editor.dropped_) continue;
      edit.dropped_resources.push_back(r);
      edit.any_dropped = true;
      const auto& re = chunk.index.resources[r];
      for (uint32_t sc = re.first_scope; sc < re.first_scope + re.scope_count; ++sc) {
        const auto& se = chunk.index.scopes[sc];
        for (uint32_t sp = se.first_span; sp < se.first_span + se.span_count; ++sp)
          edit.dropped_spans[sp] = true;
      }
      edit.resources.erase(r);
    }
    if (!edit.changed()) continue;
    if (absl::Status s = ApplyEdit(i, edit); !s.ok() && status.ok()) status = s;
  }
  std::erase_if(chunks_, [](const Chunk& c) { return c->index.resources.empty(); });
  Recount();
  return status;
}

absl::Status TraceBatch::EditScopes(absl::FunctionRef<void(ScopeEditor&)> fn) {
  absl::Status status;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    const WireRequest& chunk = *chunks_[i];
    internal::ChunkEdit edit(chunk);
    for (uint32_t sc = 0; sc < chunk.index.scopes.size(); ++sc) {
      ScopeEditor editor(&edit, ScopeView(&chunk, sc), sc);
      fn(editor);
    }
    if (!edit.changed()) continue;
    if (absl::Status s = ApplyEdit(i, edit); !s.ok() && status.ok()) status = s;
  }
  return status;
}

void ForEachAttributeList(
    otlp::Span* span,
    absl::FunctionRef<void(AttributeOwner, google::protobuf::RepeatedPtrField<otlp::KeyValue>*)>
        fn) {
  fn(AttributeOwner::kSpan, span->mutable_attributes());
  for (auto& event : *span->mutable_events())
    fn(AttributeOwner::kEvent, event.mutable_attributes());
  for (auto& link : *span->mutable_links()) fn(AttributeOwner::kLink, link.mutable_attributes());
}

}  // namespace weir::pipeline
