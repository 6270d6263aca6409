#include "pipeline/zipkin/proto_v2.h"

#include <algorithm>
#include <vector>

#include "pipeline/otlp/wire_write.h"

namespace weir::zipkin {

namespace {

using otlp::wire::BytesFieldSize;
using otlp::wire::PutBytes;
using otlp::wire::PutFixed64;
using otlp::wire::PutVarint;

void PutEndpoint(uint32_t field, const EndpointView& e, std::string* scratch, std::string* out) {
  scratch->clear();
  if (!e.service_name.empty()) PutBytes(1, e.service_name, scratch);
  if (e.ipv4_size == 4) PutBytes(2, absl::string_view(e.ipv4, 4), scratch);
  if (e.ipv6_size == 16) PutBytes(3, absl::string_view(e.ipv6, 16), scratch);
  if (e.port != 0) PutVarint(4, static_cast<uint64_t>(static_cast<int64_t>(e.port)), scratch);
  PutBytes(field, *scratch, out);
}

}  // namespace

std::string EncodeProtoV2(const SpanList& spans) {
  std::string out, span, scratch, entry;
  std::vector<const TagView*> tags;
  for (const SpanView& s : spans.spans) {
    span.clear();
    char trace_id[16] = {};
    const absl::string_view given = s.trace_id_bytes();
    std::copy(given.begin(), given.end(), trace_id + 16 - given.size());
    PutBytes(1, absl::string_view(trace_id, 16), &span);  // always 16 bytes, as Zipkin's
    if (s.parent_id_size > 0) PutBytes(2, s.parent_id_bytes(), &span);
    PutBytes(3, s.id_bytes(), &span);
    if (s.kind != model::Span::SPAN_KIND_UNSPECIFIED) PutVarint(4, s.kind, &span);
    if (!s.name.empty()) PutBytes(5, s.name, &span);
    if (s.timestamp != 0) PutFixed64(6, s.timestamp, &span);
    if (s.duration != 0) PutVarint(7, s.duration, &span);
    if (s.local_endpoint.present) PutEndpoint(8, s.local_endpoint, &scratch, &span);
    if (s.remote_endpoint.present) PutEndpoint(9, s.remote_endpoint, &scratch, &span);
    for (uint32_t i = s.annotations_begin; i < s.annotations_end; ++i) {
      entry.clear();
      PutFixed64(1, spans.annotations[i].timestamp, &entry);
      PutBytes(2, spans.annotations[i].value, &entry);
      PutBytes(10, entry, &span);
    }
    tags.clear();
    for (uint32_t i = s.tags_begin; i < s.tags_end; ++i) tags.push_back(&spans.tags[i]);
    std::stable_sort(tags.begin(), tags.end(),
                     [](const TagView* a, const TagView* b) { return a->key < b->key; });
    for (size_t i = 0; i < tags.size(); ++i) {
      if (i + 1 < tags.size() && tags[i + 1]->key == tags[i]->key) continue;
      entry.clear();
      PutBytes(1, tags[i]->key, &entry);
      PutBytes(2, tags[i]->value, &entry);
      PutBytes(11, entry, &span);
    }
    if (s.debug) PutVarint(12, 1, &span);
    if (s.shared) PutVarint(13, 1, &span);
    PutBytes(1, span, &out);
  }
  return out;
}

}  // namespace weir::zipkin
