#include "pipeline/zipkin/to_otlp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pipeline/otlp/json_dom.h"
#include "pipeline/zipkin/hex.h"

namespace weir::zipkin {

namespace {

using Attributes = google::protobuf::RepeatedPtrField<otlp::KeyValue>;
using Tags = google::protobuf::Map<std::string, std::string>;

// Tags that describe the resource rather than the span: otelcol's list (nonSpanAttributes).
const absl::flat_hash_set<absl::string_view>& ResourceKeys() {
  static const auto* keys =
      new absl::flat_hash_set<absl::string_view>{"cloud.provider",
                                                 "cloud.account.id",
                                                 "cloud.region",
                                                 "cloud.availability_zone",
                                                 "cloud.platform",
                                                 "aws.ecs.container.arn",
                                                 "aws.ecs.cluster.arn",
                                                 "aws.ecs.launchtype",
                                                 "aws.ecs.task.arn",
                                                 "aws.ecs.task.family",
                                                 "aws.ecs.task.revision",
                                                 "aws.eks.cluster.arn",
                                                 "aws.log.group.names",
                                                 "aws.log.group.arns",
                                                 "aws.log.stream.names",
                                                 "aws.log.stream.arns",
                                                 "container.name",
                                                 "container.id",
                                                 "container.runtime",
                                                 "container.image.name",
                                                 "container.image.tag",
                                                 "deployment.environment",
                                                 "device.id",
                                                 "device.model.identifier",
                                                 "device.model.name",
                                                 "device.manufacturer",
                                                 "faas.name",
                                                 "faas.id",
                                                 "faas.version",
                                                 "faas.instance",
                                                 "faas.max_memory",
                                                 "host.id",
                                                 "host.name",
                                                 "host.type",
                                                 "host.arch",
                                                 "host.image.name",
                                                 "host.image.id",
                                                 "host.image.version",
                                                 "k8s.cluster.name",
                                                 "k8s.node.name",
                                                 "k8s.node.uid",
                                                 "k8s.namespace.name",
                                                 "k8s.pod.uid",
                                                 "k8s.pod.name",
                                                 "k8s.container.name",
                                                 "k8s.container.restart_count",
                                                 "k8s.replicaset.uid",
                                                 "k8s.replicaset.name",
                                                 "k8s.deployment.uid",
                                                 "k8s.deployment.name",
                                                 "k8s.statefulset.uid",
                                                 "k8s.statefulset.name",
                                                 "k8s.daemonset.uid",
                                                 "k8s.daemonset.name",
                                                 "k8s.job.uid",
                                                 "k8s.job.name",
                                                 "k8s.cronjob.uid",
                                                 "k8s.cronjob.name",
                                                 "os.type",
                                                 "os.description",
                                                 "os.name",
                                                 "os.version",
                                                 "process.pid",
                                                 "process.executable.name",
                                                 "process.executable.path",
                                                 "process.command",
                                                 "process.command_line",
                                                 "process.command_args",
                                                 "process.owner",
                                                 "process.runtime.name",
                                                 "process.runtime.version",
                                                 "process.runtime.description",
                                                 "service.name",
                                                 "service.namespace",
                                                 "service.instance.id",
                                                 "service.version",
                                                 "telemetry.sdk.name",
                                                 "telemetry.sdk.language",
                                                 "telemetry.sdk.version",
                                                 "telemetry.auto.version",
                                                 "webengine.name",
                                                 "webengine.version",
                                                 "webengine.description",
                                                 "opencensus.starttime",
                                                 "opencensus.exporterversion",
                                                 "opencensus.resourcetype"};
  return *keys;
}

bool Take(Tags* tags, const char* key, std::string* value) {
  auto it = tags->find(key);
  if (it == tags->end()) return false;
  *value = std::move(it->second);
  tags->erase(it);
  return true;
}

void SetString(Attributes* attributes, absl::string_view key, std::string value) {
  auto* a = attributes->Add();
  a->set_key(std::string(key));
  a->mutable_value()->set_string_value(std::move(value));
}

void SetInt(Attributes* attributes, absl::string_view key, int64_t value) {
  auto* a = attributes->Add();
  a->set_key(std::string(key));
  a->mutable_value()->set_int_value(value);
}

uint64_t SaturatingNanos(uint64_t micros) {
  return micros > std::numeric_limits<uint64_t>::max() / 1000 ? std::numeric_limits<uint64_t>::max()
                                                              : micros * 1000;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// A tag value typed the way parse_string_tags types it.
void TypedValue(std::string&& text, otlp::AnyValue* out) {
  absl::string_view t = text;
  absl::string_view digits = absl::StripPrefix(t, "-");
  const bool all_digits = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (all_digits) {
    int64_t i;
    if (!absl::SimpleAtoi(t, &i)) {
      i = t[0] == '-' ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    out->set_int_value(i);
    return;
  }
  const size_t dot = digits.find('.');
  if (dot != absl::string_view::npos && dot > 0 && dot + 1 < digits.size() &&
      std::all_of(
          digits.begin(), digits.end(),
          [](char c) { return c == '.' || absl::ascii_isdigit(static_cast<unsigned char>(c)); }) &&
      digits.find('.', dot + 1) == absl::string_view::npos) {
    double d;
    if (absl::SimpleAtod(t, &d)) {
      out->set_double_value(d);
      return;
    }
  }
  if (t == "true" || t == "false") {
    out->set_bool_value(t == "true");
    return;
  }
  out->set_string_value(std::move(text));
}

// A JSON value as an attribute value: strings, booleans, integers (as int when they fit),
// doubles, arrays and objects (nested up to a depth, deeper ones kept as null).
void JsonToValue(const rapidjson::Value& v, int depth, otlp::AnyValue* out) {
  if (v.IsString()) {
    out->set_string_value(v.GetString(), v.GetStringLength());
  } else if (v.IsBool()) {
    out->set_bool_value(v.GetBool());
  } else if (v.IsInt64()) {
    out->set_int_value(v.GetInt64());
  } else if (v.IsNumber()) {
    out->set_double_value(v.GetDouble());
  } else if (v.IsArray() && depth < 16) {
    auto* array = out->mutable_array_value();
    for (const auto& e : v.GetArray()) JsonToValue(e, depth + 1, array->add_values());
  } else if (v.IsObject() && depth < 16) {
    auto* list = out->mutable_kvlist_value();
    for (const auto& m : v.GetObject()) {
      auto* kv = list->add_values();
      kv->set_key(m.name.GetString(), m.name.GetStringLength());
      JsonToValue(m.value, depth + 1, kv->mutable_value());
    }
  }
}

// Parses "<JSON object>" into attributes; false when it is not one.
bool ParseJsonAttributes(absl::string_view json, Attributes* out) {
  std::string buffer;
  rapidjson::Document doc;
  if (!otlp::json_internal::ParseDom({json.data(), json.size()}, &buffer, &doc).ok() ||
      !doc.IsObject()) {
    return false;
  }
  for (const auto& m : doc.GetObject()) {
    if (m.value.IsNull()) continue;
    auto* kv = out->Add();
    kv->set_key(m.name.GetString(), m.name.GetStringLength());
    JsonToValue(m.value, 0, kv->mutable_value());
  }
  return true;
}

// "name|<JSON>|<dropped>" as from_otlp writes events; false when `value` is not in that form.
bool ParseEncodedEvent(const std::string& value, otlp::SpanEvent* event) {
  const size_t first = value.find('|');
  const size_t last = value.rfind('|');
  if (first == std::string::npos || first == last) return false;
  uint32_t dropped;
  if (!absl::SimpleAtoi(absl::string_view(value).substr(last + 1), &dropped)) return false;
  Attributes attributes;
  if (!ParseJsonAttributes(absl::string_view(value).substr(first + 1, last - first - 1),
                           &attributes)) {
    return false;
  }
  event->set_name(value.substr(0, first));
  event->mutable_attributes()->Swap(&attributes);
  event->set_dropped_attributes_count(dropped);
  return true;
}

// "traceId|spanId|tracestate|<JSON>|<dropped>" as from_otlp writes links.
bool ParseEncodedLink(const std::string& value, otlp::SpanLink* link) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, '|');
  if (parts.size() < 5) return false;
  std::string trace_id, span_id;
  if (!parts[0].empty() &&
      (parts[0].size() != 32 || !ParseHexId({parts[0].data(), parts[0].size()}, 32, &trace_id))) {
    return false;
  }
  if (!parts[1].empty() &&
      (parts[1].size() != 16 || !ParseHexId({parts[1].data(), parts[1].size()}, 16, &span_id))) {
    return false;
  }
  uint32_t dropped;
  if (!absl::SimpleAtoi(parts.back(), &dropped)) return false;
  const std::string json =
      absl::StrJoin(std::vector<absl::string_view>(parts.begin() + 3, parts.end() - 1), "|");
  Attributes attributes;
  if (!ParseJsonAttributes(json, &attributes)) return false;
  link->set_trace_id(std::move(trace_id));
  link->set_span_id(std::move(span_id));
  link->set_trace_state(std::string(parts[2]));
  link->mutable_attributes()->Swap(&attributes);
  link->set_dropped_attributes_count(dropped);
  return true;
}

std::string IpText(const model::Endpoint& e) {
  char text[INET6_ADDRSTRLEN];
  if (e.ipv6().size() == 16 && inet_ntop(AF_INET6, e.ipv6().data(), text, sizeof text)) {
    return text;
  }
  if (e.ipv4().size() == 4 && inet_ntop(AF_INET, e.ipv4().data(), text, sizeof text)) {
    return text;
  }
  return "";
}

otlp::SpanStatus::StatusCode StatusCode(std::string value) {
  absl::AsciiStrToLower(&value);
  if (value == "ok" || value == "status_code_ok" || value == "1") {
    return otlp::SpanStatus::STATUS_CODE_OK;
  }
  if (value == "error" || value == "status_code_error" || value == "2") {
    return otlp::SpanStatus::STATUS_CODE_ERROR;
  }
  return otlp::SpanStatus::STATUS_CODE_UNSET;
}

otlp::Span::SpanKind KindFromTag(std::string value) {
  absl::AsciiStrToLower(&value);
  if (value == "internal") return otlp::Span::SPAN_KIND_INTERNAL;
  if (value == "client") return otlp::Span::SPAN_KIND_CLIENT;
  if (value == "server") return otlp::Span::SPAN_KIND_SERVER;
  if (value == "producer") return otlp::Span::SPAN_KIND_PRODUCER;
  if (value == "consumer") return otlp::Span::SPAN_KIND_CONSUMER;
  return otlp::Span::SPAN_KIND_UNSPECIFIED;
}

void SpanToOtlp(model::Span&& in, const ToOtlpOptions& options, Tags* tags, otlp::Span* out) {
  std::string id = std::move(*in.mutable_trace_id());
  if (id.size() == 8) id.insert(0, 8, '\0');
  out->set_trace_id(std::move(id));
  out->set_span_id(std::move(*in.mutable_id()));
  if (!in.parent_id().empty() && in.parent_id() != out->span_id()) {
    out->set_parent_span_id(std::move(*in.mutable_parent_id()));
  }
  out->set_name(std::move(*in.mutable_name()));
  std::string value;
  switch (in.kind()) {
    case model::Span::CLIENT:
      out->set_kind(otlp::Span::SPAN_KIND_CLIENT);
      break;
    case model::Span::SERVER:
      out->set_kind(otlp::Span::SPAN_KIND_SERVER);
      break;
    case model::Span::PRODUCER:
      out->set_kind(otlp::Span::SPAN_KIND_PRODUCER);
      break;
    case model::Span::CONSUMER:
      out->set_kind(otlp::Span::SPAN_KIND_CONSUMER);
      break;
    default:
      break;
  }
  if (Take(tags, "span.kind", &value) && out->kind() == otlp::Span::SPAN_KIND_UNSPECIFIED) {
    out->set_kind(KindFromTag(std::move(value)));
  }
  auto* attributes = out->mutable_attributes();
  if (in.timestamp() == 0) {
    auto* a = attributes->Add();
    a->set_key(kStartTimeAbsent);
    a->mutable_value()->set_bool_value(true);
  }
  const uint64_t start = SaturatingNanos(in.timestamp());
  out->set_start_time_unix_nano(start);
  out->set_end_time_unix_nano(SaturatingAdd(start, SaturatingNanos(in.duration())));
  if (Take(tags, "w3c.tracestate", &value)) out->set_trace_state(std::move(value));

  auto* status = out->mutable_status();
  std::string description;
  const bool has_description = Take(tags, "otel.status_description", &description);
  if (Take(tags, "otel.status_code", &value)) status->set_code(StatusCode(std::move(value)));
  if (Take(tags, "error", &value)) {
    status->set_code(otlp::SpanStatus::STATUS_CODE_ERROR);
    if (!has_description && value != "true" && !value.empty()) description = std::move(value);
  }
  if (!description.empty() && status->code() != otlp::SpanStatus::STATUS_CODE_UNSET) {
    status->set_message(std::move(description));
  } else if (!description.empty()) {
    SetString(attributes, "otel.status_description", std::move(description));
  }

  for (auto& a : *in.mutable_annotations()) {
    auto* event = out->add_events();
    event->set_time_unix_nano(SaturatingNanos(a.timestamp()));
    if (!ParseEncodedEvent(a.value(), event)) event->set_name(std::move(*a.mutable_value()));
  }
  for (int i = 0;; ++i) {
    auto it = tags->find(absl::StrCat("otlp.link.", i));
    if (it == tags->end()) break;
    otlp::SpanLink link;
    if (ParseEncodedLink(it->second, &link)) {
      *out->add_links() = std::move(link);
      tags->erase(it);
    }
  }

  if (in.has_local_endpoint()) {
    const auto& e = in.local_endpoint();
    if (std::string ip = IpText(e); !ip.empty()) {
      SetString(attributes, "network.local.address", std::move(ip));
    }
    if (e.port() > 0) SetInt(attributes, "net.host.port", e.port());
  }
  if (in.has_remote_endpoint()) {
    auto* e = in.mutable_remote_endpoint();
    if (!e->service_name().empty()) {
      SetString(attributes, "service.peer.name", std::move(*e->mutable_service_name()));
    }
    if (std::string ip = IpText(*e); !ip.empty()) {
      SetString(attributes, "network.peer.address", std::move(ip));
    }
    if (e->port() > 0) SetInt(attributes, "net.peer.port", e->port());
  }

  // The remaining tags, by key, so the output does not depend on the map's order.
  const int first_tag = attributes->size();
  for (auto& [key, text] : *tags) {
    auto* a = attributes->Add();
    a->set_key(key);
    if (options.parse_string_tags) {
      TypedValue(std::move(text), a->mutable_value());
    } else {
      a->mutable_value()->set_string_value(std::move(text));
    }
  }
  std::sort(attributes->pointer_begin() + first_tag, attributes->pointer_end(),
            [](const otlp::KeyValue* a, const otlp::KeyValue* b) { return a->key() < b->key(); });
}

struct Group {
  int resource;                                  // index in out->resource_spans()
  absl::flat_hash_map<std::string, int> scopes;  // scope key → index in its scope_spans
};

}  // namespace

absl::Status SpansToResourceSpans(model::ListOfSpans&& spans, const ToOtlpOptions& options,
                                  otlp::ExportRequest* out) {
  for (int i = 0; i < spans.spans_size(); ++i) {
    const auto& s = spans.spans(i);
    if (s.trace_id().size() != 8 && s.trace_id().size() != 16) {
      return absl::InvalidArgumentError(absl::StrCat("spans[", i, "]: the trace id has ",
                                                     s.trace_id().size(),
                                                     " bytes; Zipkin's have 8 or 16"));
    }
    if (s.id().size() != 8) {
      return absl::InvalidArgumentError(
          absl::StrCat("spans[", i, "]: the span id has ", s.id().size(), " bytes, not 8"));
    }
    if (!s.parent_id().empty() && s.parent_id().size() != 8) {
      return absl::InvalidArgumentError(absl::StrCat("spans[", i, "]: the parent id has ",
                                                     s.parent_id().size(), " bytes, not 8"));
    }
  }
  const auto& resource_keys = ResourceKeys();
  absl::flat_hash_map<std::string, Group> groups;
  std::vector<std::pair<std::string, std::string>> moved;
  for (auto& span : *spans.mutable_spans()) {
    Tags tags = std::move(*span.mutable_tags());
    std::string service = span.has_local_endpoint()
                              ? std::move(*span.mutable_local_endpoint()->mutable_service_name())
                              : std::string();
    if (service == kNoServiceName) service.clear();
    std::string service_key = "service.name";
    std::string source;
    if (Take(&tags, kServiceNameSource, &source) && !source.empty()) service_key = source;
    moved.clear();
    for (auto it = tags.begin(); it != tags.end();) {
      if (it->first == service_key && !service.empty()) {
        tags.erase(it++);  // the local endpoint's name, repeated as a tag (OpenTelemetry SDKs)
      } else if (resource_keys.contains(it->first)) {
        moved.emplace_back(it->first, std::move(it->second));
        tags.erase(it++);
      } else {
        ++it;
      }
    }
    std::sort(moved.begin(), moved.end());
    std::string scope_name, scope_version;
    if (!Take(&tags, "otel.scope.name", &scope_name))
      Take(&tags, "otel.library.name", &scope_name);
    else
      tags.erase("otel.library.name");
    if (!Take(&tags, "otel.scope.version", &scope_version)) {
      Take(&tags, "otel.library.version", &scope_version);
    } else {
      tags.erase("otel.library.version");
    }

    std::string key = service;
    for (const auto& [k, v] : moved) absl::StrAppend(&key, "\n", k, "=", v);
    auto [it, inserted] = groups.try_emplace(std::move(key));
    Group& group = it->second;
    if (inserted) {
      group.resource = out->resource_spans_size();
      auto* attributes = out->add_resource_spans()->mutable_resource()->mutable_attributes();
      if (!service.empty()) SetString(attributes, service_key, service);
      for (auto& [k, v] : moved) SetString(attributes, k, std::move(v));
    }
    auto* resource_spans = out->mutable_resource_spans(group.resource);
    auto [scope_it, new_scope] = group.scopes.try_emplace(
        absl::StrCat(scope_name, "\n", scope_version), resource_spans->scope_spans_size());
    if (new_scope) {
      auto* scope = resource_spans->add_scope_spans()->mutable_scope();
      scope->set_name(std::move(scope_name));
      scope->set_version(std::move(scope_version));
    }
    SpanToOtlp(std::move(span), options, &tags,
               resource_spans->mutable_scope_spans(scope_it->second)->add_spans());
  }
  return absl::OkStatus();
}

}  // namespace weir::zipkin
