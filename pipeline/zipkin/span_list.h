// Zipkin v2 spans as views: what the translation to OTLP (to_otlp.h) reads. A decoder of a
// request body fills a SpanList whose strings point into the body (parsed in place), so a span
// costs no copy of its strings between the request and the OTLP bytes; spans of the proto model
// (model.h: the v2 protobuf, Zipkin v1, tests) are viewed with Of().
//
// Threading: a SpanList is used by one thread; it does not own the bytes its views point into,
// except for the strings it was given with Own().
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "pipeline/zipkin/model.h"

namespace weir::zipkin {

struct EndpointView {
  bool present = false;
  absl::string_view service_name;
  uint8_t ipv4_size = 0;  // 0 or 4
  uint8_t ipv6_size = 0;  // 0 or 16
  char ipv4[4] = {};
  char ipv6[16] = {};
  int32_t port = 0;
};

struct TagView {
  absl::string_view key;
  absl::string_view value;
};

struct AnnotationView {
  uint64_t timestamp = 0;  // µs
  absl::string_view value;
};

struct SpanView {
  uint8_t trace_id_size = 0;   // 8 or 16
  uint8_t id_size = 0;         // 8
  uint8_t parent_id_size = 0;  // 0 or 8
  char trace_id[16] = {};
  char id[8] = {};
  char parent_id[8] = {};
  absl::string_view name;
  model::Span::Kind kind = model::Span::SPAN_KIND_UNSPECIFIED;
  uint64_t timestamp = 0;  // µs; 0 absent
  uint64_t duration = 0;   // µs; 0 absent
  bool debug = false;
  bool shared = false;
  EndpointView local_endpoint;
  EndpointView remote_endpoint;
  // This span's tags and annotations: [begin, end) in the list's tags / annotations.
  uint32_t tags_begin = 0, tags_end = 0;
  uint32_t annotations_begin = 0, annotations_end = 0;

  // The ids as bytes, at most as long as their arrays (a size recorded as too long, which the
  // translation refuses, is cut here).
  absl::string_view trace_id_bytes() const {
    return {trace_id, std::min<size_t>(trace_id_size, 16)};
  }
  absl::string_view id_bytes() const { return {id, std::min<size_t>(id_size, 8)}; }
  absl::string_view parent_id_bytes() const {
    return {parent_id, std::min<size_t>(parent_id_size, 8)};
  }
};

class SpanList {
 public:
  std::vector<SpanView> spans;
  std::vector<TagView> tags;
  std::vector<AnnotationView> annotations;

  // Keeps `text` for as long as the list lives and returns a view of it (for text the input does
  // not hold as is, such as a number written as a tag's value).
  absl::string_view Own(std::string text) {
    storage_.push_back(std::move(text));
    return storage_.back();
  }

  void Clear() {
    spans.clear();
    tags.clear();
    annotations.clear();
    storage_.clear();
  }

  // The views of `model`'s spans, which must outlive the list and not change. Ids longer than a
  // view holds are cut (the translation refuses ids of the wrong length before looking).
  static SpanList Of(const model::ListOfSpans& model);

  // The spans as the proto model, with copies of their strings.
  void ToModel(model::ListOfSpans* out) const;

 private:
  std::deque<std::string> storage_;
};

}  // namespace weir::zipkin
