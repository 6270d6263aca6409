#include "pipeline/zipkin/from_otlp.h"

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/otlp/value_string.h"

namespace weir::zipkin {

namespace {

using Tags = google::protobuf::Map<std::string, std::string>;

bool AllZero(const std::string& id) { return id.find_first_not_of('\0') == std::string::npos; }

// Removes `key` from the tags; its value in *value.
bool Take(Tags* tags, const std::string& key, std::string* value) {
  auto it = tags->find(key);
  if (it == tags->end()) return false;
  *value = std::move(it->second);
  tags->erase(it);
  return true;
}

// The first of `keys` present; every one of them is removed.
bool TakeFirst(Tags* tags, std::initializer_list<const char*> keys, std::string* value) {
  bool found = false;
  std::string v;
  for (const char* key : keys) {
    if (Take(tags, key, &v) && !found) {
      *value = std::move(v);
      found = true;
    }
  }
  return found;
}

void SetIp(const std::string& text, model::Endpoint* endpoint) {
  unsigned char bytes[16];
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
      endpoint->set_ipv6(reinterpret_cast<const char*>(bytes), 16);
    }
  } else if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    endpoint->set_ipv4(reinterpret_cast<const char*>(bytes), 4);
  }
}

int32_t Port(const std::string& text) {
  uint32_t port;
  return absl::SimpleAtoi(text, &port) && port <= 65535 ? static_cast<int32_t>(port) : 0;
}

// Rounded microseconds of a nanosecond time.
uint64_t Micros(uint64_t nanos) { return nanos / 1000 + (nanos % 1000 >= 500 ? 1 : 0); }

std::string Hex(const std::string& id) { return AllZero(id) ? "" : absl::BytesToHexString(id); }

void SpanToZipkin(const otlp::Span& span, const Tags& base, const std::string& service,
                  model::Span* out) {
  out->set_trace_id(span.trace_id());
  out->set_id(span.span_id());
  if (!span.parent_span_id().empty() && !AllZero(span.parent_span_id())) {
    out->set_parent_id(span.parent_span_id());
  }
  out->set_name(span.name());
  Tags& tags = *out->mutable_tags();
  tags = base;
  for (const auto& a : span.attributes()) tags[a.key()] = otlp::AsString(a.value());
  switch (span.kind()) {
    case otlp::Span::SPAN_KIND_CLIENT:
      out->set_kind(model::Span::CLIENT);
      break;
    case otlp::Span::SPAN_KIND_SERVER:
      out->set_kind(model::Span::SERVER);
      break;
    case otlp::Span::SPAN_KIND_PRODUCER:
      out->set_kind(model::Span::PRODUCER);
      break;
    case otlp::Span::SPAN_KIND_CONSUMER:
      out->set_kind(model::Span::CONSUMER);
      break;
    case otlp::Span::SPAN_KIND_INTERNAL:
      tags["span.kind"] = "internal";
      break;
    default:
      break;
  }
  if (span.start_time_unix_nano() >= 1000000000) {
    out->set_timestamp(Micros(span.start_time_unix_nano()));
  }
  if (span.end_time_unix_nano() > span.start_time_unix_nano()) {
    out->set_duration(
        std::max<uint64_t>(1, Micros(span.end_time_unix_nano() - span.start_time_unix_nano())));
  }
  if (!span.trace_state().empty()) tags["w3c.tracestate"] = span.trace_state();

  const auto& status = span.status();
  if (status.code() == otlp::SpanStatus::STATUS_CODE_ERROR) {
    tags["otel.status_code"] = "ERROR";
    tags["error"] = status.message().empty() ? "true" : status.message();
  } else {
    tags.erase("error");
    if (status.code() == otlp::SpanStatus::STATUS_CODE_OK) tags["otel.status_code"] = "OK";
  }
  if (!status.message().empty()) tags["otel.status_description"] = status.message();

  // Endpoints, from the merged tags.
  std::string value;
  auto* local = out->mutable_local_endpoint();
  local->set_service_name(service);
  if (TakeFirst(&tags, {"network.local.address", "net.host.ip"}, &value)) SetIp(value, local);
  if (TakeFirst(&tags, {"network.local.port", "net.host.port"}, &value)) {
    local->set_port(Port(value));
  }
  model::Endpoint remote;
  if (TakeFirst(&tags, {"service.peer.name", "peer.service"}, &value)) {
    remote.set_service_name(value);
  }
  if (TakeFirst(&tags, {"network.peer.address", "net.peer.ip"}, &value)) SetIp(value, &remote);
  std::string port;
  const bool has_port = TakeFirst(&tags, {"network.peer.port", "net.peer.port"}, &port);
  if (!remote.service_name().empty() || !remote.ipv4().empty() || !remote.ipv6().empty()) {
    if (has_port) remote.set_port(Port(port));
    out->mutable_remote_endpoint()->Swap(&remote);
  } else if (has_port) {
    tags["net.peer.port"] = std::move(port);
  }

  for (const auto& event : span.events()) {
    auto* a = out->add_annotations();
    a->set_timestamp(Micros(event.time_unix_nano()));
    if (event.attributes_size() == 0 && event.dropped_attributes_count() == 0) {
      a->set_value(event.name());
    } else {
      a->set_value(absl::StrCat(event.name(), "|", otlp::AttributesAsJson(event.attributes()), "|",
                                event.dropped_attributes_count()));
    }
  }
  int i = 0;
  for (const auto& link : span.links()) {
    tags[absl::StrCat("otlp.link.", i++)] = absl::StrCat(
        Hex(link.trace_id()), "|", Hex(link.span_id()), "|", link.trace_state(), "|",
        otlp::AttributesAsJson(link.attributes()), "|", link.dropped_attributes_count());
  }
}

}  // namespace

absl::Status AppendResourceSpans(const otlp::ResourceSpans& resource_spans,
                                 const FromOtlpOptions& options, model::ListOfSpans* out) {
  for (const auto& scope_spans : resource_spans.scope_spans()) {
    for (const auto& span : scope_spans.spans()) {
      if (span.trace_id().size() != 16 || AllZero(span.trace_id())) {
        return absl::InvalidArgumentError(
            absl::StrCat("span \"", span.name(), "\": the trace id is invalid"));
      }
      if (span.span_id().size() != 8 || AllZero(span.span_id())) {
        return absl::InvalidArgumentError(
            absl::StrCat("span \"", span.name(), "\": the span id is invalid"));
      }
    }
  }
  Tags resource_tags;
  for (const auto& a : resource_spans.resource().attributes()) {
    resource_tags[a.key()] = otlp::AsString(a.value());
  }
  std::string service;
  if (!Take(&resource_tags, "service.name", &service)) {
    for (const char* key : {"faas.name", "k8s.deployment.name", "process.executable.name"}) {
      if (Take(&resource_tags, key, &service)) {
        resource_tags[kServiceNameSource] = key;
        break;
      }
    }
  }
  if (service.empty()) service = options.default_service_name;
  for (const auto& scope_spans : resource_spans.scope_spans()) {
    if (scope_spans.spans_size() == 0) continue;
    Tags base = resource_tags;
    const auto& scope = scope_spans.scope();
    for (const auto& a : scope.attributes()) base[a.key()] = otlp::AsString(a.value());
    if (!scope.name().empty()) base["otel.library.name"] = scope.name();
    if (!scope.version().empty()) base["otel.library.version"] = scope.version();
    for (const auto& span : scope_spans.spans()) {
      SpanToZipkin(span, base, service, out->add_spans());
    }
  }
  return absl::OkStatus();
}

}  // namespace weir::zipkin
