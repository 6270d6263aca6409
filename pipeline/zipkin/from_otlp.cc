#include "pipeline/zipkin/from_otlp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/otlp/value_string.h"
#include "pipeline/span_view.h"
#include "pipeline/trace_batch.h"

namespace weir::zipkin {

namespace {

using pipeline::AttributeValue;
using pipeline::ValueType;

bool AllZero(absl::string_view id) { return id.find_first_not_of('\0') == absl::string_view::npos; }

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

// One key and value about to become a tag or an endpoint field: views into the batch's bytes,
// or of text the list owns.
struct Entry {
  absl::string_view key;
  absl::string_view value;
  Role role;
};

// An attribute value as text (pdata's AsString), viewed in the batch where it is a string.
absl::string_view TextOf(const AttributeValue& v, SpanList* list) {
  switch (v.type) {
    case ValueType::kString:
      return v.bytes;
    case ValueType::kBool:
      return v.bool_value ? "true" : "false";
    case ValueType::kInt:
      return list->Own(absl::StrCat(v.int_value));
    case ValueType::kDouble:
      return list->Own(otlp::FormatDouble(v.double_value));
    case ValueType::kBytes:
      return list->Own(absl::Base64Escape(v.bytes));
    case ValueType::kArray: {
      otlp::AnyValue any;
      any.mutable_array_value()->ParseFromArray(v.bytes.data(), static_cast<int>(v.bytes.size()));
      return list->Own(otlp::AsString(any));
    }
    case ValueType::kKvList: {
      otlp::AnyValue any;
      any.mutable_kvlist_value()->ParseFromArray(v.bytes.data(), static_cast<int>(v.bytes.size()));
      return list->Own(otlp::AsString(any));
    }
    case ValueType::kEmpty:
      break;
  }
  return "";
}

// The endpoint values of one span, by role; the first entry of a role wins (span attributes
// come before resource and scope ones).
struct Endpoints {
  absl::string_view value[static_cast<int>(Role::kCount)];
  bool set[static_cast<int>(Role::kCount)] = {};
  const absl::string_view* First(Role a, Role b) const {
    if (set[static_cast<int>(a)]) return &value[static_cast<int>(a)];
    if (set[static_cast<int>(b)]) return &value[static_cast<int>(b)];
    return nullptr;
  }
};

void SetIp(absl::string_view view, EndpointView* endpoint) {
  const std::string text(view);  // inet_pton wants a NUL at the end
  if (text.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, text.c_str(), endpoint->ipv6) == 1) endpoint->ipv6_size = 16;
  } else if (inet_pton(AF_INET, text.c_str(), endpoint->ipv4) == 1) {
    endpoint->ipv4_size = 4;
  }
}

int32_t Port(absl::string_view text) {
  uint32_t port;
  return absl::SimpleAtoi(text, &port) && port <= 65535 ? static_cast<int32_t>(port) : 0;
}

// Rounded microseconds of a nanosecond time.
uint64_t Micros(uint64_t nanos) { return nanos / 1000 + (nanos % 1000 >= 500 ? 1 : 0); }

std::string Hex(absl::string_view id) { return AllZero(id) ? "" : absl::BytesToHexString(id); }

// What every span of one resource and scope shares.
struct Base {
  absl::string_view service;   // the local endpoint's service name
  std::vector<Entry> entries;  // scope tags, then the resource's not shadowed by them
};

void AddTag(SpanList* list, absl::string_view key, absl::string_view value) {
  list->tags.push_back({key, value});
}

// Sets the tag `key` of the span being built (from `begin` in list->tags) or adds it.
void SetTag(SpanList* list, size_t begin, absl::string_view key, absl::string_view value) {
  for (size_t i = begin; i < list->tags.size(); ++i) {
    if (list->tags[i].key == key) {
      list->tags[i].value = value;
      return;
    }
  }
  AddTag(list, key, value);
}

void SpanToZipkin(const pipeline::SpanView& span, const Base& base, std::vector<Entry>* scratch,
                  SpanList* list) {
  SpanView& out = list->spans.emplace_back();
  const absl::string_view trace_id = span.trace_id();
  std::memcpy(out.trace_id, trace_id.data(), 16);
  out.trace_id_size = 16;
  std::memcpy(out.id, span.span_id().data(), 8);
  out.id_size = 8;
  if (span.parent_span_id().size() == 8 && !AllZero(span.parent_span_id())) {
    std::memcpy(out.parent_id, span.parent_span_id().data(), 8);
    out.parent_id_size = 8;
  }
  out.name = span.name();

  // Span attributes first; a resource or scope tag of the same key is left out.
  std::vector<Entry>& entries = *scratch;
  entries.clear();
  otlp::wire::ForEachKeyValue(span.wire_bytes(), 9,
                              [&](absl::string_view key, const AttributeValue& v) {
                                entries.push_back({key, TextOf(v, list), RoleOf(key)});
                              });
  const size_t own = entries.size();
  for (const Entry& e : base.entries) {
    bool shadowed = false;
    for (size_t i = 0; i < own && !shadowed; ++i) shadowed = entries[i].key == e.key;
    if (!shadowed) entries.push_back(e);
  }
  const size_t tags_begin = list->tags.size();
  out.tags_begin = static_cast<uint32_t>(tags_begin);
  Endpoints endpoints;
  for (const Entry& e : entries) {
    if (e.role == Role::kTag) {
      AddTag(list, e.key, e.value);
    } else if (!endpoints.set[static_cast<int>(e.role)]) {
      endpoints.value[static_cast<int>(e.role)] = e.value;
      endpoints.set[static_cast<int>(e.role)] = true;
    }
  }

  switch (span.kind()) {
    case otlp::Span::SPAN_KIND_CLIENT:
      out.kind = model::Span::CLIENT;
      break;
    case otlp::Span::SPAN_KIND_SERVER:
      out.kind = model::Span::SERVER;
      break;
    case otlp::Span::SPAN_KIND_PRODUCER:
      out.kind = model::Span::PRODUCER;
      break;
    case otlp::Span::SPAN_KIND_CONSUMER:
      out.kind = model::Span::CONSUMER;
      break;
    case otlp::Span::SPAN_KIND_INTERNAL:
      SetTag(list, tags_begin, "span.kind", "internal");
      break;
    default:
      break;
  }
  const uint64_t start = span.start_time_unix_nano();
  const uint64_t end = span.end_time_unix_nano();
  if (start >= 1000000000) out.timestamp = Micros(start);
  if (end > start) out.duration = std::max<uint64_t>(1, Micros(end - start));
  if (!span.trace_state().empty()) SetTag(list, tags_begin, "w3c.tracestate", span.trace_state());

  // The status; an `error` attribute of a span that is not in error was dropped above.
  const absl::string_view message = span.status_message();
  if (span.status_code() == otlp::SpanStatus::STATUS_CODE_ERROR) {
    SetTag(list, tags_begin, "otel.status_code", "ERROR");
    AddTag(list, "error", message.empty() ? absl::string_view("true") : message);
  } else if (span.status_code() == otlp::SpanStatus::STATUS_CODE_OK) {
    SetTag(list, tags_begin, "otel.status_code", "OK");
  }
  if (!message.empty()) SetTag(list, tags_begin, "otel.status_description", message);

  EndpointView& local = out.local_endpoint;
  local.present = true;
  local.service_name = base.service;
  if (const absl::string_view* ip = endpoints.First(Role::kLocalIp, Role::kLocalIpOld)) {
    SetIp(*ip, &local);
  }
  if (const absl::string_view* port = endpoints.First(Role::kLocalPort, Role::kLocalPortOld)) {
    local.port = Port(*port);
  }
  const absl::string_view* peer_name = endpoints.First(Role::kPeerName, Role::kPeerNameOld);
  const absl::string_view* peer_ip = endpoints.First(Role::kPeerIp, Role::kPeerIpOld);
  const absl::string_view* peer_port = endpoints.First(Role::kPeerPort, Role::kPeerPortOld);
  EndpointView remote;
  if (peer_name != nullptr) remote.service_name = *peer_name;
  if (peer_ip != nullptr) SetIp(*peer_ip, &remote);
  if (!remote.service_name.empty() || remote.ipv4_size != 0 || remote.ipv6_size != 0) {
    remote.present = true;
    if (peer_port != nullptr) remote.port = Port(*peer_port);
    out.remote_endpoint = remote;
  } else if (peer_port != nullptr) {
    AddTag(list, "net.peer.port", *peer_port);
  }

  out.annotations_begin = static_cast<uint32_t>(list->annotations.size());
  span.ForEachEvent([&](absl::string_view name, uint64_t time, absl::string_view body) {
    // Plain when it has no attributes (field 3) and drops none (field 4, which senders may
    // write even when it is 0).
    bool plain = true;
    otlp::wire::ForEachField(
        body, [&](uint32_t f, uint32_t wt, absl::string_view v, absl::string_view) {
          if (f == 3) plain = false;
          if (f == 4 && wt == 0) {
            const char* p = v.data();
            uint64_t dropped = 0;
            if (!otlp::wire::ReadVarint(p, v.data() + v.size(), &dropped) || dropped != 0) {
              plain = false;
            }
          }
        });
    AnnotationView a;
    a.timestamp = Micros(time);
    if (plain) {
      a.value = name;
    } else {
      otlp::SpanEvent event;
      event.ParseFromArray(body.data(), static_cast<int>(body.size()));
      a.value =
          list->Own(absl::StrCat(event.name(), "|", otlp::AttributesAsJson(event.attributes()), "|",
                                 event.dropped_attributes_count()));
    }
    list->annotations.push_back(a);
  });
  out.annotations_end = static_cast<uint32_t>(list->annotations.size());
  int i = 0;
  otlp::wire::ForEachField(span.wire_bytes(), [&](uint32_t field, uint32_t wire_type,
                                                  absl::string_view body, absl::string_view) {
    if (field != 13 || wire_type != 2) return;
    otlp::SpanLink link;
    link.ParseFromArray(body.data(), static_cast<int>(body.size()));
    AddTag(list, list->Own(absl::StrCat("otlp.link.", i++)),
           list->Own(absl::StrCat(
               Hex(link.trace_id()), "|", Hex(link.span_id()), "|", link.trace_state(), "|",
               otlp::AttributesAsJson(link.attributes()), "|", link.dropped_attributes_count())));
  });
  out.tags_end = static_cast<uint32_t>(list->tags.size());
}

// The local service name and the resource's tags.
void ResourceBase(const pipeline::ResourceView& resource, const FromOtlpOptions& options,
                  SpanList* list, Base* out, std::vector<Entry>* entries) {
  absl::string_view service, service_key;
  int rank = 5;  // of the key the service came from, lower wins
  resource.ForEachAttribute([&](absl::string_view key, const AttributeValue& v) {
    int r = 5;
    if (key == "service.name") r = 0;
    if (key == "faas.name") r = 1;
    if (key == "k8s.deployment.name") r = 2;
    if (key == "process.executable.name") r = 3;
    if (r < rank) {
      rank = r;
      service = TextOf(v, list);
      service_key = key;
    }
  });
  entries->clear();
  resource.ForEachAttribute([&](absl::string_view key, const AttributeValue& v) {
    if (!service_key.empty() && key == service_key) return;
    entries->push_back({key, TextOf(v, list), RoleOf(key)});
  });
  if (!service_key.empty() && service_key != "service.name") {
    entries->push_back({kServiceNameSource, service_key, Role::kTag});
  }
  out->service = service.empty() ? list->Own(options.default_service_name) : service;
}

}  // namespace

absl::Status AppendSpans(const pipeline::TraceBatch& batch, const FromOtlpOptions& options,
                         SpanList* out) {
  absl::Status status;
  batch.ForEachSpanView([&](const pipeline::SpanView& span) {
    if (!status.ok()) return;
    if (span.trace_id().size() != 16 || AllZero(span.trace_id())) {
      status = absl::InvalidArgumentError(
          absl::StrCat("span \"", span.name(), "\": the trace id is invalid"));
    } else if (span.span_id().size() != 8 || AllZero(span.span_id())) {
      status = absl::InvalidArgumentError(
          absl::StrCat("span \"", span.name(), "\": the span id is invalid"));
    }
  });
  if (!status.ok()) return status;
  uintptr_t resource_id = 0, scope_id = 0;
  Base base;
  std::vector<Entry> resource, scratch;
  batch.ForEachSpanView([&](const pipeline::SpanView& span) {
    const pipeline::ScopeView scope = span.scope();
    const pipeline::ResourceView r = span.resource();
    if (r.id() != resource_id) {
      resource_id = r.id();
      scope_id = 0;
      ResourceBase(r, options, out, &base, &resource);
    }
    if (scope.id() != scope_id) {
      scope_id = scope.id();
      // Scope attributes over resource attributes of the same key.
      base.entries.clear();
      scope.ForEachAttribute([&](absl::string_view key, const AttributeValue& v) {
        base.entries.push_back({key, TextOf(v, out), RoleOf(key)});
      });
      if (!scope.name().empty())
        base.entries.push_back({"otel.library.name", scope.name(), Role::kTag});
      if (!scope.version().empty()) {
        base.entries.push_back({"otel.library.version", scope.version(), Role::kTag});
      }
      const size_t own = base.entries.size();
      for (const Entry& e : resource) {
        bool shadowed = false;
        for (size_t i = 0; i < own && !shadowed; ++i) shadowed = base.entries[i].key == e.key;
        if (!shadowed) base.entries.push_back(e);
      }
    }
    SpanToZipkin(span, base, &scratch, out);
  });
  return absl::OkStatus();
}

absl::Status AppendResourceSpans(const otlp::ResourceSpans& resource_spans,
                                 const FromOtlpOptions& options, model::ListOfSpans* out) {
  otlp::ExportRequest request;
  *request.add_resource_spans() = resource_spans;
  absl::StatusOr<pipeline::TraceBatch> batch = pipeline::TraceBatch::EncodeRequest(request);
  if (!batch.ok()) return absl::InvalidArgumentError(batch.status().message());
  SpanList list;
  if (absl::Status s = AppendSpans(*batch, options, &list); !s.ok()) return s;
  list.ToModel(out);
  return absl::OkStatus();
}

}  // namespace weir::zipkin
