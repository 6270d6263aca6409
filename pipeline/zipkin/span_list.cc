#include "pipeline/zipkin/span_list.h"

#include <algorithm>
#include <cstring>

namespace weir::zipkin {

namespace {

// Copies up to `capacity` bytes of `bytes` into `out`; the size copied, or `capacity` + 1 when
// `bytes` is longer (so a wrong length stays wrong).
uint8_t CopyId(const std::string& bytes, char* out, size_t capacity) {
  const size_t n = std::min(bytes.size(), capacity);
  std::memcpy(out, bytes.data(), n);
  return static_cast<uint8_t>(bytes.size() > capacity ? capacity + 1 : n);
}

EndpointView ViewOf(const model::Endpoint& e) {
  EndpointView v;
  v.present = true;
  v.service_name = e.service_name();
  if (e.ipv4().size() == 4) {
    std::memcpy(v.ipv4, e.ipv4().data(), 4);
    v.ipv4_size = 4;
  }
  if (e.ipv6().size() == 16) {
    std::memcpy(v.ipv6, e.ipv6().data(), 16);
    v.ipv6_size = 16;
  }
  v.port = e.port();
  return v;
}

void EndpointToModel(const EndpointView& v, model::Endpoint* e) {
  e->set_service_name(std::string(v.service_name));
  if (v.ipv4_size == 4) e->set_ipv4(v.ipv4, 4);
  if (v.ipv6_size == 16) e->set_ipv6(v.ipv6, 16);
  e->set_port(v.port);
}

}  // namespace

SpanList SpanList::Of(const model::ListOfSpans& model) {
  SpanList list;
  list.spans.reserve(static_cast<size_t>(model.spans_size()));
  for (const auto& s : model.spans()) {
    SpanView& v = list.spans.emplace_back();
    v.trace_id_size = CopyId(s.trace_id(), v.trace_id, 16);
    v.id_size = CopyId(s.id(), v.id, 8);
    v.parent_id_size = CopyId(s.parent_id(), v.parent_id, 8);
    v.name = s.name();
    v.kind = s.kind();
    v.timestamp = s.timestamp();
    v.duration = s.duration();
    v.debug = s.debug();
    v.shared = s.shared();
    if (s.has_local_endpoint()) v.local_endpoint = ViewOf(s.local_endpoint());
    if (s.has_remote_endpoint()) v.remote_endpoint = ViewOf(s.remote_endpoint());
    v.tags_begin = static_cast<uint32_t>(list.tags.size());
    for (const auto& t : s.tags()) list.tags.push_back({t.key(), t.value()});
    v.tags_end = static_cast<uint32_t>(list.tags.size());
    v.annotations_begin = static_cast<uint32_t>(list.annotations.size());
    for (const auto& a : s.annotations()) list.annotations.push_back({a.timestamp(), a.value()});
    v.annotations_end = static_cast<uint32_t>(list.annotations.size());
  }
  return list;
}

void SpanList::ToModel(model::ListOfSpans* out) const {
  for (const SpanView& v : spans) {
    auto* s = out->add_spans();
    s->set_trace_id(v.trace_id, std::min<size_t>(v.trace_id_size, 16));
    s->set_id(v.id, std::min<size_t>(v.id_size, 8));
    if (v.parent_id_size > 0) s->set_parent_id(v.parent_id, std::min<size_t>(v.parent_id_size, 8));
    s->set_name(std::string(v.name));
    s->set_kind(v.kind);
    s->set_timestamp(v.timestamp);
    s->set_duration(v.duration);
    s->set_debug(v.debug);
    s->set_shared(v.shared);
    if (v.local_endpoint.present) EndpointToModel(v.local_endpoint, s->mutable_local_endpoint());
    if (v.remote_endpoint.present) {
      EndpointToModel(v.remote_endpoint, s->mutable_remote_endpoint());
    }
    for (uint32_t i = v.tags_begin; i < v.tags_end; ++i) {
      auto* t = s->add_tags();
      t->set_key(std::string(tags[i].key));
      t->set_value(std::string(tags[i].value));
    }
    for (uint32_t i = v.annotations_begin; i < v.annotations_end; ++i) {
      auto* a = s->add_annotations();
      a->set_timestamp(annotations[i].timestamp);
      a->set_value(std::string(annotations[i].value));
    }
  }
}

}  // namespace weir::zipkin
