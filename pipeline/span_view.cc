#include "pipeline/span_view.h"

namespace weir::pipeline {
namespace {

// Calls fn(value) for every length-delimited field `field` among the header bytes of an entry
// whose body is `body` and whose children are field 2.
void ForEachHeaderField(const WireRequest& request, otlp::wire::Range body,
                        const otlp::wire::Headers& headers, uint32_t field,
                        absl::FunctionRef<void(absl::string_view)> fn) {
  absl::string_view bytes(request.bytes);
  auto visit = [&](uint32_t f, uint32_t wire_type, absl::string_view value, absl::string_view) {
    if (f == field && wire_type == 2) fn(value);
  };
  if (headers.more) {
    otlp::wire::ForEachField(bytes.substr(body.offset, body.size), visit);
    return;
  }
  for (int i = 0; i < headers.count; ++i)
    otlp::wire::ForEachField(bytes.substr(headers.ranges[i].offset, headers.ranges[i].size), visit);
}

}  // namespace

namespace internal {

void ForEachResourceBody(const WireRequest& request, uint32_t r,
                         absl::FunctionRef<void(absl::string_view)> fn) {
  const auto& e = request.index.resources[r];
  ForEachHeaderField(request, e.bytes, e.headers, 1, fn);
}

void ForEachScopeBody(const WireRequest& request, uint32_t s,
                      absl::FunctionRef<void(absl::string_view)> fn) {
  const auto& e = request.index.scopes[s];
  ForEachHeaderField(request, e.bytes, e.headers, 1, fn);
}

}  // namespace internal

uintptr_t ResourceView::id() const {
  return reinterpret_cast<uintptr_t>(&request_->index.resources[resource_]);
}

std::optional<AttributeValue> ResourceView::FindAttribute(absl::string_view key) const {
  std::optional<AttributeValue> found;
  internal::ForEachResourceBody(*request_, resource_, [&](absl::string_view body) {
    if (!found) found = otlp::wire::FindKeyValue(body, 1, key);
  });
  return found;
}

absl::string_view ResourceView::service_name() const {
  std::optional<AttributeValue> v = FindAttribute("service.name");
  return v && v->type == ValueType::kString ? v->bytes : absl::string_view();
}

uintptr_t ScopeView::id() const {
  return reinterpret_cast<uintptr_t>(&request_->index.scopes[scope_]);
}

absl::string_view ScopeView::name() const {
  absl::string_view out;
  internal::ForEachScopeBody(*request_, scope_, [&](absl::string_view body) {
    otlp::wire::ForEachField(body,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 1 && wt == 2) out = v;
                             });
  });
  return out;
}

absl::string_view ScopeView::version() const {
  absl::string_view out;
  internal::ForEachScopeBody(*request_, scope_, [&](absl::string_view body) {
    otlp::wire::ForEachField(body,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 2 && wt == 2) out = v;
                             });
  });
  return out;
}

std::optional<AttributeValue> ScopeView::FindAttribute(absl::string_view key) const {
  std::optional<AttributeValue> found;
  internal::ForEachScopeBody(*request_, scope_, [&](absl::string_view body) {
    if (!found) found = otlp::wire::FindKeyValue(body, 3, key);
  });
  return found;
}

ResourceView ScopeView::resource() const {
  return ResourceView(request_, request_->index.scopes[scope_].resource);
}

ResourceView SpanView::resource() const {
  return ResourceView(request_, request_->index.scopes[entry().scope].resource);
}

ScopeView SpanView::scope() const { return ScopeView(request_, entry().scope); }

std::optional<AttributeValue> SpanView::FindAttribute(absl::string_view key) const {
  return otlp::wire::FindKeyValue(wire_bytes(), 9, key);
}

absl::string_view SpanView::status_message() const {
  absl::string_view message;
  otlp::wire::ForEachField(wire_bytes(), [&](uint32_t field, uint32_t wire_type,
                                             absl::string_view value, absl::string_view) {
    if (field != 15 || wire_type != 2) return;
    otlp::wire::ForEachField(value,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 2 && wt == 2)
                                 message = v;  // the last occurrence wins, as protobuf parses
                             });
  });
  return message;
}

}  // namespace weir::pipeline
