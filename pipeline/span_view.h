// Read-only views of one span, resource or scope of a TraceBatch, read from the wire index and
// bytes without decoding: ids, name, times, status, kind, flags and trace state come from the
// index; attributes, events and links are read from the span's bytes on demand.
//
// Views are small values (a pointer and an index). They are valid while the TraceBatch that
// handed them out is alive and not modified. Threading: reading views of one batch from several
// threads at once is safe (nothing is cached or changed on read).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "pipeline/memory_budget.h"
#include "pipeline/otlp/wire_attributes.h"
#include "pipeline/otlp/wire_scan.h"

namespace weir::pipeline {

using AttributeValue = otlp::wire::AttributeValue;
using ValueType = otlp::wire::ValueType;

// Where an attribute list sits.
enum class AttributeOwner : uint8_t { kResource, kScope, kSpan, kEvent, kLink };

// One received request as TraceBatch keeps it: the protobuf bytes and their index. Immutable
// once built; shared by the batches and clones that hold it. Charged to the process memory
// budget for its lifetime (see memory_budget.h).
struct WireRequest {
  std::string bytes;
  otlp::wire::Index index;
  MemoryCharge charge;
};

// A resource (one ResourceSpans entry). `id()` is stable for the life of the batch chunk, so a
// processor can cache what it derived from a resource (e.g. service.name) per id.
class ResourceView {
 public:
  ResourceView(const WireRequest* request, uint32_t resource)
      : request_(request), resource_(resource) {}

  // An identifier unique among the resources of the batch while it is unchanged.
  uintptr_t id() const;
  // The first attribute named `key`, or nullopt.
  std::optional<AttributeValue> FindAttribute(absl::string_view key) const;
  // Calls fn(key, const AttributeValue&) for every resource attribute, in order.
  template <typename Fn>
  void ForEachAttribute(Fn&& fn) const;
  // The value of the `service.name` attribute when it is a string; empty otherwise.
  absl::string_view service_name() const;

 private:
  const WireRequest* request_;
  uint32_t resource_;
};

// An instrumentation scope (one ScopeSpans entry).
class ScopeView {
 public:
  ScopeView(const WireRequest* request, uint32_t scope) : request_(request), scope_(scope) {}

  uintptr_t id() const;
  absl::string_view name() const;
  absl::string_view version() const;
  std::optional<AttributeValue> FindAttribute(absl::string_view key) const;
  template <typename Fn>
  void ForEachAttribute(Fn&& fn) const;
  ResourceView resource() const;

 private:
  const WireRequest* request_;
  uint32_t scope_;
};

class SpanView {
 public:
  SpanView(const WireRequest* request, uint32_t span) : request_(request), span_(span) {}

  absl::string_view trace_id() const { return Field(entry().trace_id); }
  absl::string_view span_id() const { return Field(entry().span_id); }
  absl::string_view parent_span_id() const { return Field(entry().parent_span_id); }
  absl::string_view name() const { return Field(entry().name); }
  absl::string_view trace_state() const { return Field(entry().trace_state); }
  uint64_t start_time_unix_nano() const { return entry().start_time_unix_nano; }
  uint64_t end_time_unix_nano() const { return entry().end_time_unix_nano; }
  // Status.code as the enum's number (0 unset, 1 ok, 2 error).
  uint32_t status_code() const { return entry().status_code; }
  // Status.message, read from the span's bytes ("" when there is none).
  absl::string_view status_message() const;
  // Span.kind as the enum's number (0 unspecified, 1 internal, 2 server, 3 client, 4 producer,
  // 5 consumer).
  uint32_t kind() const { return entry().kind; }
  uint32_t flags() const { return entry().flags; }

  ResourceView resource() const;
  ScopeView scope() const;

  // The first span attribute named `key`, or nullopt.
  std::optional<AttributeValue> FindAttribute(absl::string_view key) const;
  // Calls fn(AttributeOwner, key, const AttributeValue&) for the span's attributes (kSpan), then
  // those of each event (kEvent) and each link (kLink), in order.
  template <typename Fn>
  void ForEachAttribute(Fn&& fn) const;
  // Calls fn(name, time_unix_nano, event_body) for every event; read the event's attributes
  // with otlp::wire::ForEachKeyValue(event_body, 3, ...).
  template <typename Fn>
  void ForEachEvent(Fn&& fn) const;
  // The Span message body as received (without tag and length).
  absl::string_view wire_bytes() const { return Field(entry().bytes); }
  // An identifier unique among the spans of the batch while it is unchanged.
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(&entry()); }

 private:
  const otlp::wire::SpanEntry& entry() const { return request_->index.spans[span_]; }
  absl::string_view Field(otlp::wire::Range r) const {
    return absl::string_view(request_->bytes).substr(r.offset, r.size);
  }

  const WireRequest* request_;
  uint32_t span_;
};

// ---- implementation of the templates ----

namespace internal {
// The Resource body of resource `r` and the InstrumentationScope body of scope `s`, gathered
// from every occurrence of the field (protobuf merges repeated occurrences).
void ForEachResourceBody(const WireRequest& request, uint32_t r,
                         absl::FunctionRef<void(absl::string_view)> fn);
void ForEachScopeBody(const WireRequest& request, uint32_t s,
                      absl::FunctionRef<void(absl::string_view)> fn);
}  // namespace internal

template <typename Fn>
void ResourceView::ForEachAttribute(Fn&& fn) const {
  internal::ForEachResourceBody(*request_, resource_, [&](absl::string_view body) {
    otlp::wire::ForEachKeyValue(body, 1, fn);
  });
}

template <typename Fn>
void ScopeView::ForEachAttribute(Fn&& fn) const {
  internal::ForEachScopeBody(
      *request_, scope_, [&](absl::string_view body) { otlp::wire::ForEachKeyValue(body, 3, fn); });
}

template <typename Fn>
void SpanView::ForEachAttribute(Fn&& fn) const {
  const absl::string_view body = wire_bytes();
  otlp::wire::ForEachKeyValue(body, 9, [&](absl::string_view key, const AttributeValue& v) {
    fn(AttributeOwner::kSpan, key, v);
  });
  otlp::wire::ForEachField(body, [&](uint32_t field, uint32_t wire_type, absl::string_view value,
                                     absl::string_view) {
    if (wire_type != 2) return;
    if (field == 11) {
      otlp::wire::ForEachKeyValue(value, 3, [&](absl::string_view key, const AttributeValue& v) {
        fn(AttributeOwner::kEvent, key, v);
      });
    } else if (field == 13) {
      otlp::wire::ForEachKeyValue(value, 4, [&](absl::string_view key, const AttributeValue& v) {
        fn(AttributeOwner::kLink, key, v);
      });
    }
  });
}

template <typename Fn>
void SpanView::ForEachEvent(Fn&& fn) const {
  otlp::wire::ForEachField(wire_bytes(), [&](uint32_t field, uint32_t wire_type,
                                             absl::string_view event, absl::string_view) {
    if (field != 11 || wire_type != 2) return;
    absl::string_view name;
    uint64_t time = 0;
    otlp::wire::ForEachField(event,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 2 && wt == 2) name = v;
                               if (f == 1 && wt == 1 && v.size() == 8)
                                 std::memcpy(&time, v.data(), 8);
                             });
    fn(name, time, event);
  });
}

}  // namespace weir::pipeline
