#include "pipeline/jaeger/wire_from_otlp.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/internal/endian.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/jaeger/model.h"
#include "pipeline/jaeger/span_kind.h"
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
using otlp::wire::VarintSize;
using pipeline::AttributeValue;
using pipeline::ValueType;

// A string field, left out when empty (proto3).
void PutString(uint32_t field, absl::string_view value, std::string* out) {
  if (!value.empty()) PutBytes(field, value, out);
}

// An api_v2 KeyValue (field `field` of its parent) of type STRING (0, so not written).
void PutStringTag(uint32_t field, absl::string_view key, absl::string_view value,
                  std::string* out) {
  const size_t size = (key.empty() ? 0 : otlp::wire::BytesFieldSize(key.size())) +
                      (value.empty() ? 0 : otlp::wire::BytesFieldSize(value.size()));
  PutTag(field, otlp::wire::kWireBytes, out);
  AppendVarint(size, out);
  PutString(1, key, out);
  PutString(3, value, out);
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

// An attribute as an api_v2 KeyValue with its type, as AttributeToTag maps it: key (1),
// v_type (2, left out for STRING), then the value's field.
void PutAttributeTag(uint32_t field, absl::string_view key, const AttributeValue& v,
                     std::string* out) {
  char value[24];  // v_type (2 bytes) and a scalar value (at most 11)
  size_t n = 0;
  auto put = [&](uint32_t f, uint64_t x) { n += otlp::wire::PutVarintAt(value + n, f, x); };
  absl::string_view bytes;  // a length-delimited value field after `value`
  uint32_t bytes_field = 0;
  std::string text;
  switch (v.type) {
    case ValueType::kString:
      bytes = v.bytes;
      bytes_field = 3;
      break;
    case ValueType::kBool:
      put(2, ::jaeger::api_v2::BOOL);
      if (v.bool_value) put(4, 1);
      break;
    case ValueType::kInt:
      put(2, ::jaeger::api_v2::INT64);
      if (v.int_value != 0) put(5, static_cast<uint64_t>(v.int_value));
      break;
    case ValueType::kDouble: {
      put(2, ::jaeger::api_v2::FLOAT64);
      uint64_t bits;
      std::memcpy(&bits, &v.double_value, 8);
      if (bits != 0) {  // proto3 leaves out +0.0 only
        value[n++] = static_cast<char>(6 << 3 | 1);
        absl::little_endian::Store64(value + n, bits);
        n += 8;
      }
      break;
    }
    case ValueType::kBytes:
      put(2, ::jaeger::api_v2::BINARY);
      bytes = v.bytes;
      bytes_field = 7;
      break;
    default:  // arrays and maps as JSON; an empty value as ""
      text = AsText(v);
      bytes = text;
      bytes_field = 3;
      break;
  }
  const size_t size = (key.empty() ? 0 : otlp::wire::BytesFieldSize(key.size())) + n +
                      (bytes.empty() ? 0 : otlp::wire::BytesFieldSize(bytes.size()));
  PutTag(field, otlp::wire::kWireBytes, out);
  AppendVarint(size, out);
  PutString(1, key, out);
  out->append(value, n);
  if (!bytes.empty()) PutBytes(bytes_field, bytes, out);
}

// A google.protobuf.Timestamp or Duration (seconds, nanos), as field `field`; the message is
// written even when empty, as the model sets it.
void PutSecondsNanos(uint32_t field, int64_t seconds, int32_t nanos, std::string* out) {
  const uint64_t s = static_cast<uint64_t>(seconds);
  const uint64_t ns = static_cast<uint64_t>(static_cast<int64_t>(nanos));
  const size_t size = (s != 0 ? 1 + VarintSize(s) : 0) + (ns != 0 ? 1 + VarintSize(ns) : 0);
  PutTag(field, otlp::wire::kWireBytes, out);
  AppendVarint(size, out);
  if (s != 0) PutVarint(1, s, out);
  if (ns != 0) PutVarint(2, ns, out);
}

void PutTimestamp(uint32_t field, uint64_t unix_nano, std::string* out) {
  PutSecondsNanos(field, static_cast<int64_t>(unix_nano / 1000000000),
                  static_cast<int32_t>(unix_nano % 1000000000), out);
}

void PutReference(absl::string_view trace_id, absl::string_view span_id, uint32_t ref_type,
                  std::string* out) {
  const size_t size = (trace_id.empty() ? 0 : otlp::wire::BytesFieldSize(trace_id.size())) +
                      (span_id.empty() ? 0 : otlp::wire::BytesFieldSize(span_id.size())) +
                      (ref_type != 0 ? 2 : 0);
  PutTag(4, otlp::wire::kWireBytes, out);
  AppendVarint(size, out);
  PutString(1, trace_id, out);
  PutString(2, span_id, out);
  if (ref_type != 0) PutVarint(3, ref_type, out);
}

// The buffers spans are written with, reused span after span.
struct Scratch {
  std::string body;
  std::string log;
  std::string log_tags;
  std::vector<absl::string_view> attributes, events, links;  // field bodies of the span
};

void PutSpan(const pipeline::SpanView& span, Scratch& x, std::string* out) {
  std::string& body = x.body;
  body.clear();
  PutString(1, span.trace_id(), &body);
  PutString(2, span.span_id(), &body);
  PutString(3, span.name(), &body);

  // One pass over the span's fields finds its attributes, events and links.
  x.attributes.clear();
  x.events.clear();
  x.links.clear();
  otlp::wire::ForEachField(span.wire_bytes(), [&](uint32_t field, uint32_t wire_type,
                                                  absl::string_view value, absl::string_view) {
    if (wire_type != 2) return;
    if (field == 9) x.attributes.push_back(value);
    if (field == 11) x.events.push_back(value);
    if (field == 13) x.links.push_back(value);
  });

  // References: the parent first (CHILD_OF), then the links; a link to the parent sets the
  // parent reference's type instead.
  const bool has_parent = !span.parent_span_id().empty();
  uint32_t parent_type = ::jaeger::api_v2::CHILD_OF;
  std::string& links = x.log;
  links.clear();
  for (absl::string_view value : x.links) {
    absl::string_view trace_id, span_id;
    uint32_t ref_type = ::jaeger::api_v2::FOLLOWS_FROM;
    otlp::wire::ForEachField(value,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 1 && wt == 2) trace_id = v;
                               if (f == 2 && wt == 2) span_id = v;
                             });
    otlp::wire::ForEachKeyValue(value, 4, [&](absl::string_view key, const AttributeValue& a) {
      if (key == "opentracing.ref_type" && a.type == ValueType::kString && a.bytes == "child_of") {
        ref_type = ::jaeger::api_v2::CHILD_OF;
      }
    });
    if (has_parent && trace_id == span.trace_id() && span_id == span.parent_span_id()) {
      parent_type = ref_type;
      continue;
    }
    PutReference(trace_id, span_id, ref_type, &links);
  }
  if (has_parent) PutReference(span.trace_id(), span.parent_span_id(), parent_type, &body);
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
  if (!scope.name().empty()) PutStringTag(8, "otel.scope.name", scope.name(), &body);
  if (!scope.version().empty()) PutStringTag(8, "otel.scope.version", scope.version(), &body);
  for (absl::string_view kv : x.attributes) {
    absl::string_view key;
    AttributeValue v;
    otlp::wire::internal::ReadKeyValue(kv, &key, &v);
    PutAttributeTag(8, key, v, &body);
  }
  if (const char* kind = SpanKindTag(span.kind())) PutStringTag(8, "span.kind", kind, &body);
  if (span.status_code() == otlp::SpanStatus::STATUS_CODE_OK) {
    PutStringTag(8, "otel.status_code", "OK", &body);
  } else if (span.status_code() == otlp::SpanStatus::STATUS_CODE_ERROR) {
    PutStringTag(8, "otel.status_code", "ERROR", &body);
    AttributeValue error;
    error.type = ValueType::kBool;
    error.bool_value = true;
    PutAttributeTag(8, "error", error, &body);
  }
  const absl::string_view message = span.status_message();
  if (!message.empty()) PutStringTag(8, "otel.status_description", message, &body);
  if (!span.trace_state().empty()) PutStringTag(8, "w3c.tracestate", span.trace_state(), &body);

  // Logs: the events, the name as the field "event" unless an attribute is named so.
  for (absl::string_view event : x.events) {
    absl::string_view name;
    uint64_t time = 0;
    bool has_event_attribute = false;
    x.log_tags.clear();
    otlp::wire::ForEachField(event,
                             [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
                               if (f == 1 && wt == 1 && v.size() == 8)
                                 std::memcpy(&time, v.data(), 8);
                               if (f == 2 && wt == 2) name = v;
                               if (f == 3 && wt == 2) {
                                 absl::string_view key;
                                 AttributeValue a;
                                 otlp::wire::internal::ReadKeyValue(v, &key, &a);
                                 if (key == "event") has_event_attribute = true;
                                 PutAttributeTag(2, key, a, &x.log_tags);
                               }
                             });
    std::string& log = x.log;
    log.clear();
    PutTimestamp(1, time, &log);
    if (!name.empty() && !has_event_attribute) PutStringTag(2, "event", name, &log);
    log.append(x.log_tags);
    PutBytes(9, log, &body);
  }
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
void PutProcess(const pipeline::ResourceView& resource, std::string* out) {
  std::string service;
  std::string tags;
  resource.ForEachAttribute([&](absl::string_view key, const AttributeValue& v) {
    if (key == "service.name" && service.empty()) {
      service = TextOf(v);
      return;
    }
    PutAttributeTag(2, key, v, &tags);
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
  std::string spans, process;
  Scratch scratch;
  auto flush = [&]() {
    if (!open || !status.ok()) return;
    // The request: its Batch (field 1) holds the spans (field 1) and then the process (2).
    process.clear();
    PutProcess(*resource, &process);
    std::string request;
    request.reserve(spans.size() + process.size() + 8);
    PutTag(1, otlp::wire::kWireBytes, &request);
    AppendVarint(spans.size() + process.size(), &request);
    request.append(spans);
    request.append(process);
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
    PutSpan(span, scratch, &spans);
  });
  flush();
  return status;
}

}  // namespace weir::jaeger
