// The tags of a Zipkin span (model::Span::tags, a list of key/value pairs in the order they
// were read or written) looked up and edited by key.
//
// Threading: pure functions over the caller's span.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "pipeline/zipkin/model.h"

namespace weir::zipkin {

using Tags = google::protobuf::RepeatedPtrField<model::Tag>;

// The value of the last tag named `key`, or nullptr.
inline const std::string* FindTag(const Tags& tags, absl::string_view key) {
  for (int i = tags.size() - 1; i >= 0; --i) {
    if (tags[i].key() == key) return &tags[i].value();
  }
  return nullptr;
}

// Sets the tag named `key` (the first one, when there are several) or adds it.
inline void SetTag(Tags* tags, absl::string_view key, std::string value) {
  for (auto& tag : *tags) {
    if (tag.key() == key) {
      tag.set_value(std::move(value));
      return;
    }
  }
  auto* tag = tags->Add();
  tag->set_key(std::string(key));
  tag->set_value(std::move(value));
}

}  // namespace weir::zipkin
