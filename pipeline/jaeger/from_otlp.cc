#include "pipeline/jaeger/from_otlp.h"

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "pipeline/jaeger/span_kind.h"
#include "pipeline/otlp/value_string.h"

namespace weir::jaeger {

namespace {

using ::jaeger::api_v2::ValueType;

// Jaeger's sampled flag, and the W3C sampled bit in OTLP's span flags.
constexpr uint32_t kSampledFlag = 1;

void SetString(model::KeyValue* tag, absl::string_view key, absl::string_view value) {
  tag->set_key(std::string(key));
  tag->set_v_type(::jaeger::api_v2::STRING);
  tag->set_v_str(std::string(value));
}

void AppendAttributes(const google::protobuf::RepeatedPtrField<otlp::KeyValue>& attributes,
                      google::protobuf::RepeatedPtrField<model::KeyValue>* tags) {
  for (const auto& a : attributes) AttributeToTag(a, tags->Add());
}

void SetTimestamp(uint64_t unix_nano, google::protobuf::Timestamp* out) {
  out->set_seconds(static_cast<int64_t>(unix_nano / 1000000000));
  out->set_nanos(static_cast<int32_t>(unix_nano % 1000000000));
}

// end − start as a protobuf Duration; negative when the span ends before it starts (as Go's
// time.Sub, which otelcol uses).
void SetDuration(uint64_t start, uint64_t end, google::protobuf::Duration* out) {
  const int64_t d = static_cast<int64_t>(end - start);
  out->set_seconds(d / 1000000000);
  out->set_nanos(static_cast<int32_t>(d % 1000000000));
}

::jaeger::api_v2::SpanRefType LinkRefType(const otlp::SpanLink& link) {
  for (const auto& a : link.attributes()) {
    if (a.key() == "opentracing.ref_type" && a.value().has_string_value() &&
        a.value().string_value() == "child_of") {
      return ::jaeger::api_v2::CHILD_OF;
    }
  }
  return ::jaeger::api_v2::FOLLOWS_FROM;
}

void AppendReferences(const otlp::Span& span, model::Span* out) {
  const bool has_parent = !span.parent_span_id().empty();
  if (has_parent) {
    auto* ref = out->add_references();
    ref->set_trace_id(span.trace_id());
    ref->set_span_id(span.parent_span_id());
    ref->set_ref_type(::jaeger::api_v2::CHILD_OF);
  }
  for (const auto& link : span.links()) {
    const auto type = LinkRefType(link);
    if (has_parent && link.trace_id() == span.trace_id() &&
        link.span_id() == span.parent_span_id()) {
      out->mutable_references(0)->set_ref_type(type);
      continue;
    }
    auto* ref = out->add_references();
    ref->set_trace_id(link.trace_id());
    ref->set_span_id(link.span_id());
    ref->set_ref_type(type);
  }
}

void AppendTags(const otlp::Scope& scope, const otlp::Span& span, model::Span* out) {
  auto* tags = out->mutable_tags();
  if (!scope.name().empty()) SetString(tags->Add(), "otel.scope.name", scope.name());
  if (!scope.version().empty()) SetString(tags->Add(), "otel.scope.version", scope.version());
  AppendAttributes(span.attributes(), tags);
  if (const char* kind = SpanKindTag(span.kind())) SetString(tags->Add(), "span.kind", kind);
  const auto& status = span.status();
  if (status.code() == otlp::SpanStatus::STATUS_CODE_OK) {
    SetString(tags->Add(), "otel.status_code", "OK");
  } else if (status.code() == otlp::SpanStatus::STATUS_CODE_ERROR) {
    SetString(tags->Add(), "otel.status_code", "ERROR");
    auto* error = tags->Add();
    error->set_key("error");
    error->set_v_type(::jaeger::api_v2::BOOL);
    error->set_v_bool(true);
  }
  if (!status.message().empty()) {
    SetString(tags->Add(), "otel.status_description", status.message());
  }
  if (!span.trace_state().empty()) SetString(tags->Add(), "w3c.tracestate", span.trace_state());
}

void AppendLogs(const otlp::Span& span, model::Span* out) {
  for (const auto& event : span.events()) {
    auto* log = out->add_logs();
    SetTimestamp(event.time_unix_nano(), log->mutable_timestamp());
    if (!event.name().empty()) {
      bool has_event_attribute = false;
      for (const auto& a : event.attributes()) {
        if (a.key() == "event") {
          has_event_attribute = true;
          break;
        }
      }
      if (!has_event_attribute) SetString(log->add_fields(), "event", event.name());
    }
    AppendAttributes(event.attributes(), log->mutable_fields());
  }
}

void SpanToJaeger(const otlp::Scope& scope, const otlp::Span& span, model::Span* out) {
  out->set_trace_id(span.trace_id());
  out->set_span_id(span.span_id());
  out->set_operation_name(span.name());
  AppendReferences(span, out);
  // OTLP flags of 0 mean a sender that does not set them (the field is newer than most SDKs
  // in use); what was exported was sampled.
  out->set_flags(span.flags() == 0 ? kSampledFlag : span.flags() & kSampledFlag);
  SetTimestamp(span.start_time_unix_nano(), out->mutable_start_time());
  SetDuration(span.start_time_unix_nano(), span.end_time_unix_nano(), out->mutable_duration());
  AppendTags(scope, span, out);
  AppendLogs(span, out);
}

}  // namespace

void AttributeToTag(const otlp::KeyValue& attribute, model::KeyValue* out) {
  out->set_key(attribute.key());
  const auto& v = attribute.value();
  switch (v.value_case()) {
    case otlp::AnyValue::kStringValue:
      out->set_v_type(::jaeger::api_v2::STRING);
      out->set_v_str(v.string_value());
      return;
    case otlp::AnyValue::kBoolValue:
      out->set_v_type(::jaeger::api_v2::BOOL);
      out->set_v_bool(v.bool_value());
      return;
    case otlp::AnyValue::kIntValue:
      out->set_v_type(::jaeger::api_v2::INT64);
      out->set_v_int64(v.int_value());
      return;
    case otlp::AnyValue::kDoubleValue:
      out->set_v_type(::jaeger::api_v2::FLOAT64);
      out->set_v_float64(v.double_value());
      return;
    case otlp::AnyValue::kBytesValue:
      out->set_v_type(::jaeger::api_v2::BINARY);
      out->set_v_binary(v.bytes_value());
      return;
    default:  // arrays and maps as JSON; an empty value as ""
      out->set_v_type(::jaeger::api_v2::STRING);
      out->set_v_str(otlp::AsString(v));
      return;
  }
}

void ResourceSpansToBatch(const otlp::ResourceSpans& resource_spans, model::Batch* out) {
  out->Clear();
  auto* process = out->mutable_process();
  for (const auto& a : resource_spans.resource().attributes()) {
    if (a.key() == "service.name" && process->service_name().empty()) {
      process->set_service_name(a.value().has_string_value() ? a.value().string_value()
                                                             : otlp::AsString(a.value()));
      continue;
    }
    AttributeToTag(a, process->add_tags());
  }
  if (process->service_name().empty()) process->set_service_name(kNoServiceName);
  for (const auto& scope_spans : resource_spans.scope_spans()) {
    for (const auto& span : scope_spans.spans()) {
      SpanToJaeger(scope_spans.scope(), span, out->add_spans());
    }
  }
}

}  // namespace weir::jaeger
