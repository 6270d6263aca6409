#include "pipeline/jaeger/wire_from_otlp.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/jaeger/model.h"
#include "pipeline/otlp/value_string.h"
#include "pipeline/otlp/wire_write.h"
#include "pipeline/span_view.h"

namespace weir::jaeger {

namespace {

using otlp::wire::AppendVarint;
using otlp::wire::PutBytes;
using otlp::wire::PutFixed64;
using otlp::wire::PutTag;
using otlp::wire::PutVarint;
using pipeline::AttributeValue;
using pipeline::ValueType;

// A string field, left out when empty (proto3).
void PutString(uint32_t field, absl::string_view value, std::string* out) {
  if (!value.empty()) PutBytes(field, value, out);
}

// An api_v2 KeyValue (field `field` of its parent) of type STRING.
void PutStringTag(uint32_t field, absl::string_view key, absl::string_view value,
                  std::string* scratch, std::string* out) {
  scratch->clear();
  PutString(1, key, scratch);
  PutString(3, value, scratch);
  PutBytes(field, *scratch, out);
}

std::string AsText(const AttributeValue& v) {
  otlp::AnyValue any;
  if (v.type == ValueType::kArray) {
    any.mutable_array_value()->ParseFromArray(v.bytes.data(), static_cast<int>(v.bytes.size()));
  } else if (v.type == ValueType::kKvList) {
    any.mutable_kvlist_value()->ParseFromArray(v.bytes.data(), static_cast<int>(v.bytes.size()));
  }
  return otlp::AsString(any);
}

// An attribute as an api_v2 KeyValue with its type, as AttributeToTag maps it.
void PutAttributeTag(uint32_t field, absl::string_view key, const AttributeValue& v,
                     std::string* scratch, std::string* out) {
  scratch->clear();
  PutString(1, key, scratch);
  switch (v.type) {
    case ValueType::kString:
      PutString(3, v.bytes, scratch);
      break;
    case ValueType::kBool:
      PutVarint(2, ::jaeger::api_v2::BOOL, scratch);
      if (v.bool_value) PutVarint(4, 1, scratch);
      break;
    case ValueType::kInt:
      PutVarint(2, ::jaeger::api_v2::INT64, scratch);
      if (v.int_value != 0) PutVarint(5, static_cast<uint64_t>(v.int_value), scratch);
      break;
    case ValueType::kDouble: {
      PutVarint(2, ::jaeger::api_v2::FLOAT64, scratch);
      uint64_t bits;
      std::memcpy(&bits, &v.double_value, 8);
      if (bits != 0) PutFixed64(6, bits, scratch);  // proto3 leaves out +0.0 only
      break;
    }
    case ValueType::kBytes:
      PutVarint(2, ::jaeger::api_v2::BINARY, scratch);
      PutString(7, v.bytes, scratch);
      break;
    default:  // arrays and maps as JSON; an empty value as ""
      PutString(3, AsText(v), scratch);
      break;
  }
  PutBytes(field, *scratch, out);
}

// A google.protobuf.Timestamp or Duration (seconds, nanos), as field `field`; the message is
// written even when empty, as the model sets it.
void PutSecondsNanos(uint32_t field, int64_t seconds, int32_t nanos, std::string* out) {
  std::string body;
  if (seconds != 0) PutVarint(1, static_cast<uint64_t>(seconds), &body);
  if (nanos != 0) PutVarint(2, static_cast<uint64_t>(static_cast<int64_t>(nanos)), &body);
  PutBytes(field, body, out);
}

void PutTimestamp(uint32_t field, uint64_t unix_nano, std::string* out) {
  PutSecondsNanos(field, static_cast<int64_t>(unix_nano / 1000000000),
                  static_cast<int32_t>(unix_nano % 1000000000), out);
}

const char* KindName(uint32_t kind) {
  switch (kind) {
    case otlp::Span::SPAN_KIND_CLIENT:
      return "client";
    case otlp::Span::SPAN_KIND_SERVER:
      return "server";
    case otlp::Span::SPAN_KIND_PRODUCER:
      return "producer";
    case otlp::Span::SPAN_KIND_CONSUMER:
      return "consumer";
    case otlp::Span::SPAN_KIND_INTERNAL:
      return "internal";
    default:
      return nullptr;
  }
}

// One link as the reference it becomes.
struct Link {
  absl::string_view trace_id, span_id;
  uint32_t ref_type;
};

void PutReference(absl::string_view trace_id, absl::string_view span_id, uint32_t ref_type,
                  std::string* scratch, std::string* out) {
  scratch->clear();
  PutString(1, trace_id, scratch);
  PutString(2, span_id, scratch);
  if (ref_type != 0) PutVarint(3, ref_type, scratch);
  PutBytes(4, *scratch, out);
}

void PutSpan(const pipeline::SpanView& span, std::string* scratch, std::string* out) {
  std::string body;
  const absl::string_view wire = span.wire_bytes();
  PutString(1, span.trace_id(), &body);
  PutString(2, span.span_id(), &body);
  PutString(3, span.name(), &body);

  // References: the parent first (CHILD_OF), then the links; a link to the parent sets the
  // parent reference's type instead.
  const bool has_parent = !span.parent_span_id().empty();
  uint32_t parent_type = ::jaeger::api_v2::CHILD_OF;
  std::string links;
  otlp::wire::ForEachField(wire, [&](uint32_t field, uint32_t wire_type, absl::string_view value,
                                     absl::string_view) {
    if (field != 13 || wire_type != 2) return;
    Link link{{}, {}, ::jaeger::api_v2::FOLLOWS_FROM};
    otlp::wire::ForEachField(value,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 1 && wt == 2) link.trace_id = v;
                               if (f == 2 && wt == 2) link.span_id = v;
                             });
    otlp::wire::ForEachKeyValue(value, 4, [&](absl::string_view key, const AttributeValue& a) {
      if (key == "opentracing.ref_type" && a.type == ValueType::kString && a.bytes == "child_of") {
        link.ref_type = ::jaeger::api_v2::CHILD_OF;
      }
    });
    if (has_parent && link.trace_id == span.trace_id() && link.span_id == span.parent_span_id()) {
      parent_type = link.ref_type;
      return;
    }
    PutReference(link.trace_id, link.span_id, link.ref_type, scratch, &links);
  });
  if (has_parent) PutReference(span.trace_id(), span.parent_span_id(), parent_type, scratch, &body);
  body.append(links);

  // OTLP flags of 0 mean a sender that does not set them: what was exported was sampled.
  const uint32_t flags = span.flags() == 0 ? 1 : span.flags() & 1;
  if (flags != 0) PutVarint(5, flags, &body);
  const uint64_t start = span.start_time_unix_nano();
  PutTimestamp(6, start, &body);
  const int64_t d = static_cast<int64_t>(span.end_time_unix_nano() - start);
  PutSecondsNanos(7, d / 1000000000, static_cast<int32_t>(d % 1000000000), &body);

  // Tags: the scope, the attributes, the kind, the status, the trace state.
  const pipeline::ScopeView scope = span.scope();
  if (!scope.name().empty()) PutStringTag(8, "otel.scope.name", scope.name(), scratch, &body);
  if (!scope.version().empty()) {
    PutStringTag(8, "otel.scope.version", scope.version(), scratch, &body);
  }
  otlp::wire::ForEachKeyValue(wire, 9, [&](absl::string_view key, const AttributeValue& v) {
    PutAttributeTag(8, key, v, scratch, &body);
  });
  if (const char* kind = KindName(span.kind())) {
    PutStringTag(8, "span.kind", kind, scratch, &body);
  }
  if (span.status_code() == otlp::SpanStatus::STATUS_CODE_OK) {
    PutStringTag(8, "otel.status_code", "OK", scratch, &body);
  } else if (span.status_code() == otlp::SpanStatus::STATUS_CODE_ERROR) {
    PutStringTag(8, "otel.status_code", "ERROR", scratch, &body);
    scratch->clear();
    PutString(1, "error", scratch);
    PutVarint(2, ::jaeger::api_v2::BOOL, scratch);
    PutVarint(4, 1, scratch);
    PutBytes(8, *scratch, &body);
  }
  const absl::string_view message = span.status_message();
  if (!message.empty()) PutStringTag(8, "otel.status_description", message, scratch, &body);
  if (!span.trace_state().empty()) {
    PutStringTag(8, "w3c.tracestate", span.trace_state(), scratch, &body);
  }

  // Logs: the events, the name as the field "event" unless an attribute is named so.
  span.ForEachEvent([&](absl::string_view name, uint64_t time, absl::string_view event) {
    std::string log;
    PutTimestamp(1, time, &log);
    if (!name.empty()) {
      bool has_event_attribute = false;
      otlp::wire::ForEachKeyValue(event, 3, [&](absl::string_view key, const AttributeValue&) {
        if (key == "event") has_event_attribute = true;
      });
      if (!has_event_attribute) PutStringTag(2, "event", name, scratch, &log);
    }
    otlp::wire::ForEachKeyValue(event, 3, [&](absl::string_view key, const AttributeValue& v) {
      PutAttributeTag(2, key, v, scratch, &log);
    });
    PutBytes(9, log, &body);
  });
  PutBytes(1, body, out);
}

// An attribute value as pdata's AsString renders it.
std::string TextOf(const AttributeValue& v) {
  switch (v.type) {
    case ValueType::kString:
      return std::string(v.bytes);
    case ValueType::kBool:
      return v.bool_value ? "true" : "false";
    case ValueType::kInt:
      return absl::StrCat(v.int_value);
    case ValueType::kDouble:
      return otlp::FormatDouble(v.double_value);
    case ValueType::kBytes:
      return absl::Base64Escape(v.bytes);
    default:
      return AsText(v);
  }
}

// The Process (field 2 of the Batch): the first service.name (as text) is the service, the
// other attributes are tags.
void PutProcess(const pipeline::ResourceView& resource, std::string* scratch, std::string* out) {
  std::string service;
  std::string tags;
  resource.ForEachAttribute([&](absl::string_view key, const AttributeValue& v) {
    if (key == "service.name" && service.empty()) {
      service = TextOf(v);
      return;
    }
    PutAttributeTag(2, key, v, scratch, &tags);
  });
  std::string process;
  PutString(1, service.empty() ? absl::string_view(kNoServiceName) : service, &process);
  process.append(tags);
  PutBytes(2, process, out);
}

}  // namespace

absl::Status ForEachPostSpansRequest(const pipeline::TraceBatch& batch,
                                     absl::FunctionRef<absl::Status(std::string&&)> send) {
  absl::Status status;
  uintptr_t resource_id = 0;
  bool open = false;
  std::optional<pipeline::ResourceView> resource;
  std::string spans, scratch;
  auto flush = [&]() {
    if (!open || !status.ok()) return;
    std::string batch_bytes = std::move(spans);
    PutProcess(*resource, &scratch, &batch_bytes);
    std::string request;
    PutBytes(1, batch_bytes, &request);
    status = send(std::move(request));
    spans.clear();
    open = false;
  };
  batch.ForEachSpanView([&](const pipeline::SpanView& span) {
    if (!status.ok()) return;
    const pipeline::ResourceView r = span.resource();
    if (!open || r.id() != resource_id) {
      flush();
      resource_id = r.id();
      resource.emplace(r);
      open = true;
    }
    PutSpan(span, &scratch, &spans);
  });
  flush();
  return status;
}

}  // namespace weir::jaeger
