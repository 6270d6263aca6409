#include "pipeline/zipkin/from_otlp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/otlp/value_string.h"
#include "pipeline/zipkin/tags.h"

namespace weir::zipkin {

namespace {

bool AllZero(const std::string& id) { return id.find_first_not_of('\0') == std::string::npos; }

// The attributes that become endpoint fields (or are dropped) instead of tags. For each field
// the first key listed wins when several are present.
enum class Role : uint8_t {
  kTag,
  kLocalIp,  // network.local.address, net.host.ip
  kLocalIpOld,
  kLocalPort,  // network.local.port, net.host.port
  kLocalPortOld,
  kPeerName,  // service.peer.name, peer.service
  kPeerNameOld,
  kPeerIp,  // network.peer.address, net.peer.ip
  kPeerIpOld,
  kPeerPort,  // network.peer.port, net.peer.port
  kPeerPortOld,
  kError,  // error: replaced by the status's
  kCount,
};

Role RoleOf(absl::string_view key) {
  static const auto* roles =
      new absl::flat_hash_map<absl::string_view, Role>{{"network.local.address", Role::kLocalIp},
                                                       {"net.host.ip", Role::kLocalIpOld},
                                                       {"network.local.port", Role::kLocalPort},
                                                       {"net.host.port", Role::kLocalPortOld},
                                                       {"service.peer.name", Role::kPeerName},
                                                       {"peer.service", Role::kPeerNameOld},
                                                       {"network.peer.address", Role::kPeerIp},
                                                       {"net.peer.ip", Role::kPeerIpOld},
                                                       {"network.peer.port", Role::kPeerPort},
                                                       {"net.peer.port", Role::kPeerPortOld},
                                                       {"error", Role::kError}};
  auto it = roles->find(key);
  return it == roles->end() ? Role::kTag : it->second;
}

// One key and value about to become a tag or an endpoint field. The value is a view of the
// attribute's string, or of its text kept in a Texts.
struct Entry {
  absl::string_view key;
  absl::string_view value;
  Role role;
};

// Texts of non-string attribute values, at stable addresses (a deque never moves them).
using Texts = std::deque<std::string>;

Entry EntryOf(const otlp::KeyValue& a, Texts* texts) {
  if (a.value().has_string_value()) return {a.key(), a.value().string_value(), RoleOf(a.key())};
  texts->push_back(otlp::AsString(a.value()));
  return {a.key(), texts->back(), RoleOf(a.key())};
}

// The endpoint values of one span, by role; later entries (span attributes) win over earlier
// ones (resource, scope) of the same role.
struct Endpoints {
  const absl::string_view* value[static_cast<int>(Role::kCount)] = {};
  const absl::string_view* First(Role a, Role b) const {
    return value[static_cast<int>(a)] != nullptr ? value[static_cast<int>(a)]
                                                 : value[static_cast<int>(b)];
  }
};

void SetIp(absl::string_view view, model::Endpoint* endpoint) {
  unsigned char bytes[16];
  const std::string text(view);  // inet_pton wants a NUL at the end
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
      endpoint->set_ipv6(reinterpret_cast<const char*>(bytes), 16);
    }
  } else if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    endpoint->set_ipv4(reinterpret_cast<const char*>(bytes), 4);
  }
}

int32_t Port(absl::string_view text) {
  uint32_t port;
  return absl::SimpleAtoi(text, &port) && port <= 65535 ? static_cast<int32_t>(port) : 0;
}

// Rounded microseconds of a nanosecond time.
uint64_t Micros(uint64_t nanos) { return nanos / 1000 + (nanos % 1000 >= 500 ? 1 : 0); }

std::string Hex(const std::string& id) { return AllZero(id) ? "" : absl::BytesToHexString(id); }

void AddTag(Tags* tags, absl::string_view key, absl::string_view value) {
  auto* tag = tags->Add();
  tag->set_key(key.data(), key.size());
  tag->set_value(value.data(), value.size());
}

void SpanToZipkin(const otlp::Span& span, const std::vector<Entry>& base,
                  const std::string& service, std::vector<Entry>* scratch, Texts* texts,
                  model::Span* out) {
  out->set_trace_id(span.trace_id());
  out->set_id(span.span_id());
  if (!span.parent_span_id().empty() && !AllZero(span.parent_span_id())) {
    out->set_parent_id(span.parent_span_id());
  }
  out->set_name(span.name());

  // Span attributes first; a resource or scope tag of the same key is left out.
  std::vector<Entry>& entries = *scratch;
  entries.clear();
  texts->clear();
  for (const auto& a : span.attributes()) entries.push_back(EntryOf(a, texts));
  const size_t own = entries.size();
  for (const Entry& e : base) {
    bool shadowed = false;
    for (size_t i = 0; i < own && !shadowed; ++i) shadowed = entries[i].key == e.key;
    if (!shadowed) entries.push_back(e);
  }
  Tags* tags = out->mutable_tags();
  tags->Reserve(static_cast<int>(entries.size()) + 4);
  Endpoints endpoints;
  for (Entry& e : entries) {
    if (e.role == Role::kTag) {
      AddTag(tags, e.key, e.value);
    } else if (endpoints.value[static_cast<int>(e.role)] == nullptr) {
      endpoints.value[static_cast<int>(e.role)] = &e.value;
    }
  }

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
      SetTag(tags, "span.kind", "internal");
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
  if (!span.trace_state().empty()) SetTag(tags, "w3c.tracestate", span.trace_state());

  // The status; an `error` attribute of a span that is not in error was dropped above.
  const auto& status = span.status();
  if (status.code() == otlp::SpanStatus::STATUS_CODE_ERROR) {
    SetTag(tags, "otel.status_code", "ERROR");
    AddTag(tags, "error", status.message().empty() ? "true" : status.message());
  } else if (status.code() == otlp::SpanStatus::STATUS_CODE_OK) {
    SetTag(tags, "otel.status_code", "OK");
  }
  if (!status.message().empty()) SetTag(tags, "otel.status_description", status.message());

  auto* local = out->mutable_local_endpoint();
  local->set_service_name(service);
  if (const absl::string_view* ip = endpoints.First(Role::kLocalIp, Role::kLocalIpOld)) {
    SetIp(*ip, local);
  }
  if (const absl::string_view* port = endpoints.First(Role::kLocalPort, Role::kLocalPortOld)) {
    local->set_port(Port(*port));
  }
  const absl::string_view* peer_name = endpoints.First(Role::kPeerName, Role::kPeerNameOld);
  const absl::string_view* peer_ip = endpoints.First(Role::kPeerIp, Role::kPeerIpOld);
  const absl::string_view* peer_port = endpoints.First(Role::kPeerPort, Role::kPeerPortOld);
  model::Endpoint remote;
  if (peer_name != nullptr) remote.set_service_name(std::string(*peer_name));
  if (peer_ip != nullptr) SetIp(*peer_ip, &remote);
  if (!remote.service_name().empty() || !remote.ipv4().empty() || !remote.ipv6().empty()) {
    if (peer_port != nullptr) remote.set_port(Port(*peer_port));
    out->mutable_remote_endpoint()->Swap(&remote);
  } else if (peer_port != nullptr) {
    AddTag(tags, "net.peer.port", *peer_port);
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
    AddTag(tags, absl::StrCat("otlp.link.", i++),
           absl::StrCat(Hex(link.trace_id()), "|", Hex(link.span_id()), "|", link.trace_state(),
                        "|", otlp::AttributesAsJson(link.attributes()), "|",
                        link.dropped_attributes_count()));
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
  // The resource's tags; its service name is not one of them.
  const auto& attributes = resource_spans.resource().attributes();
  std::string service;
  absl::string_view service_key;
  for (absl::string_view key :
       {"service.name", "faas.name", "k8s.deployment.name", "process.executable.name"}) {
    for (const auto& a : attributes) {
      if (a.key() == key) {
        service = otlp::AsString(a.value());
        service_key = a.key();
        break;
      }
    }
    if (!service_key.empty()) break;
  }
  Texts base_texts, span_texts;
  std::vector<Entry> resource;
  for (const auto& a : attributes) {
    if (a.key() == service_key) continue;
    resource.push_back(EntryOf(a, &base_texts));
  }
  if (!service_key.empty() && service_key != "service.name") {
    resource.push_back({kServiceNameSource, service_key, Role::kTag});
  }
  if (service.empty()) service = options.default_service_name;

  std::vector<Entry> base, scratch;
  for (const auto& scope_spans : resource_spans.scope_spans()) {
    if (scope_spans.spans_size() == 0) continue;
    const auto& scope = scope_spans.scope();
    base.clear();
    // Scope attributes over resource attributes of the same key.
    for (const auto& a : scope.attributes()) base.push_back(EntryOf(a, &base_texts));
    if (!scope.name().empty()) base.push_back({"otel.library.name", scope.name(), Role::kTag});
    if (!scope.version().empty()) {
      base.push_back({"otel.library.version", scope.version(), Role::kTag});
    }
    const size_t own = base.size();
    for (const Entry& e : resource) {
      bool shadowed = false;
      for (size_t i = 0; i < own && !shadowed; ++i) shadowed = base[i].key == e.key;
      if (!shadowed) base.push_back(e);
    }
    for (const auto& span : scope_spans.spans()) {
      SpanToZipkin(span, base, service, &scratch, &span_texts, out->add_spans());
    }
  }
  return absl::OkStatus();
}

}  // namespace weir::zipkin
