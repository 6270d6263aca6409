#include "pipeline/zipkin/to_otlp.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pipeline/otlp/json_dom.h"
#include "pipeline/zipkin/hex.h"
#include "pipeline/zipkin/tags.h"

namespace weir::zipkin {

namespace {

using Attributes = google::protobuf::RepeatedPtrField<otlp::KeyValue>;

// What a tag means to the translation. Tags that are none of these are span attributes.
enum class Role : uint8_t {
  kAttribute,
  kResource,  // otelcol's list of resource keys (nonSpanAttributes): moved to the resource
  kServiceName,
  kServiceNameSource,
  kSpanKind,
  kTraceState,
  kStatusCode,
  kStatusDescription,
  kError,
  kScopeName,
  kScopeVersion,
  kLibraryName,
  kLibraryVersion,
};

Role RoleOf(absl::string_view key) {
  static const auto* roles = [] {
    auto* m = new absl::flat_hash_map<absl::string_view, Role>;
    for (absl::string_view key : {"cloud.provider",
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
                                  "opencensus.resourcetype"}) {
      (*m)[key] = Role::kResource;
    }
    (*m)["service.name"] = Role::kServiceName;
    (*m)[kServiceNameSource] = Role::kServiceNameSource;
    (*m)["span.kind"] = Role::kSpanKind;
    (*m)["w3c.tracestate"] = Role::kTraceState;
    (*m)["otel.status_code"] = Role::kStatusCode;
    (*m)["otel.status_description"] = Role::kStatusDescription;
    (*m)["error"] = Role::kError;
    (*m)["otel.scope.name"] = Role::kScopeName;
    (*m)["otel.scope.version"] = Role::kScopeVersion;
    (*m)["otel.library.name"] = Role::kLibraryName;
    (*m)["otel.library.version"] = Role::kLibraryVersion;
    return m;
  }();
  auto it = roles->find(key);
  return it == roles->end() ? Role::kAttribute : it->second;
}

// The tags of one span sorted by what they mean; pointers into the span's tags.
struct Sorted {
  model::Tag* span_kind = nullptr;
  model::Tag* trace_state = nullptr;
  model::Tag* status_code = nullptr;
  model::Tag* status_description = nullptr;
  model::Tag* error = nullptr;
  model::Tag* scope_name = nullptr;     // otel.scope.name, else otel.library.name
  model::Tag* scope_version = nullptr;  // otel.scope.version, else otel.library.version
  model::Tag* service_name = nullptr;   // a service.name tag
  model::Tag* source = nullptr;         // otlp.service.name.source
  std::vector<model::Tag*> resource;    // sorted by key
  std::vector<model::Tag*> links;       // otlp.link.<i>
  std::vector<model::Tag*> attributes;

  void Clear() {
    span_kind = trace_state = status_code = status_description = error = nullptr;
    scope_name = scope_version = service_name = source = nullptr;
    resource.clear();
    links.clear();
    attributes.clear();
  }
};

void SortTags(Tags* tags, Sorted* out) {
  out->Clear();
  model::Tag* library_name = nullptr;
  model::Tag* library_version = nullptr;
  for (auto& tag : *tags) {
    switch (RoleOf(tag.key())) {
      case Role::kAttribute:
        if (absl::StartsWith(tag.key(), "otlp.link.")) {
          out->links.push_back(&tag);
        } else {
          out->attributes.push_back(&tag);
        }
        break;
      case Role::kResource:
        out->resource.push_back(&tag);
        break;
      case Role::kServiceName:
        out->service_name = &tag;
        break;
      case Role::kServiceNameSource:
        out->source = &tag;
        break;
      case Role::kSpanKind:
        out->span_kind = &tag;
        break;
      case Role::kTraceState:
        out->trace_state = &tag;
        break;
      case Role::kStatusCode:
        out->status_code = &tag;
        break;
      case Role::kStatusDescription:
        out->status_description = &tag;
        break;
      case Role::kError:
        out->error = &tag;
        break;
      case Role::kScopeName:
        out->scope_name = &tag;
        break;
      case Role::kScopeVersion:
        out->scope_version = &tag;
        break;
      case Role::kLibraryName:
        library_name = &tag;
        break;
      case Role::kLibraryVersion:
        library_version = &tag;
        break;
    }
  }
  if (out->scope_name == nullptr) out->scope_name = library_name;
  if (out->scope_version == nullptr) out->scope_version = library_version;
  std::sort(out->resource.begin(), out->resource.end(),
            [](const model::Tag* a, const model::Tag* b) { return a->key() < b->key(); });
}

std::string TakeValue(model::Tag* tag) {
  return tag == nullptr ? std::string() : std::move(*tag->mutable_value());
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

void SpanToOtlp(model::Span&& in, const ToOtlpOptions& options, Sorted& tags, otlp::Span* out) {
  std::string id = std::move(*in.mutable_trace_id());
  if (id.size() == 8) id.insert(0, 8, '\0');
  out->set_trace_id(std::move(id));
  out->set_span_id(std::move(*in.mutable_id()));
  if (!in.parent_id().empty() && in.parent_id() != out->span_id()) {
    out->set_parent_span_id(std::move(*in.mutable_parent_id()));
  }
  out->set_name(std::move(*in.mutable_name()));
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
      if (tags.span_kind != nullptr) out->set_kind(KindFromTag(TakeValue(tags.span_kind)));
      break;
  }
  auto* attributes = out->mutable_attributes();
  attributes->Reserve(static_cast<int>(tags.attributes.size()) + 6);
  if (in.timestamp() == 0) {
    auto* a = attributes->Add();
    a->set_key(kStartTimeAbsent);
    a->mutable_value()->set_bool_value(true);
  }
  const uint64_t start = SaturatingNanos(in.timestamp());
  out->set_start_time_unix_nano(start);
  out->set_end_time_unix_nano(SaturatingAdd(start, SaturatingNanos(in.duration())));
  if (tags.trace_state != nullptr) out->set_trace_state(TakeValue(tags.trace_state));

  auto* status = out->mutable_status();
  std::string description = TakeValue(tags.status_description);
  if (tags.status_code != nullptr) status->set_code(StatusCode(TakeValue(tags.status_code)));
  if (tags.error != nullptr) {
    status->set_code(otlp::SpanStatus::STATUS_CODE_ERROR);
    std::string value = TakeValue(tags.error);
    if (tags.status_description == nullptr && value != "true" && !value.empty()) {
      description = std::move(value);
    }
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
  if (!tags.links.empty()) {
    // otlp.link.0, .1, … up to the first index missing; a value that does not parse, or one
    // past the gap, stays an attribute.
    std::sort(tags.links.begin(), tags.links.end(), [](const model::Tag* a, const model::Tag* b) {
      return a->key().size() != b->key().size() ? a->key().size() < b->key().size()
                                                : a->key() < b->key();
    });
    size_t next = 0;
    for (model::Tag* tag : tags.links) {
      otlp::SpanLink link;
      if (tag->key() == absl::StrCat("otlp.link.", next) && ParseEncodedLink(tag->value(), &link)) {
        *out->add_links() = std::move(link);
        ++next;
      } else {
        tags.attributes.push_back(tag);
      }
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

  // The remaining tags, by key, so the output does not depend on the sender's order; of tags
  // with the same key the last wins (OTLP allows one of each).
  std::stable_sort(tags.attributes.begin(), tags.attributes.end(),
                   [](const model::Tag* a, const model::Tag* b) { return a->key() < b->key(); });
  for (size_t i = 0; i < tags.attributes.size(); ++i) {
    model::Tag* tag = tags.attributes[i];
    if (i + 1 < tags.attributes.size() && tags.attributes[i + 1]->key() == tag->key()) continue;
    auto* a = attributes->Add();
    a->set_key(std::move(*tag->mutable_key()));
    if (options.parse_string_tags) {
      TypedValue(std::move(*tag->mutable_value()), a->mutable_value());
    } else {
      a->mutable_value()->set_string_value(std::move(*tag->mutable_value()));
    }
  }
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
  absl::flat_hash_map<std::string, Group> groups;
  Sorted tags;
  std::string key;
  for (auto& span : *spans.mutable_spans()) {
    SortTags(span.mutable_tags(), &tags);
    std::string service = span.has_local_endpoint()
                              ? std::move(*span.mutable_local_endpoint()->mutable_service_name())
                              : std::string();
    if (service == kNoServiceName) service.clear();
    std::string service_key = "service.name";
    if (tags.source != nullptr && !tags.source->value().empty()) {
      service_key = TakeValue(tags.source);
    }
    if (service.empty() && tags.service_name != nullptr) {
      service = TakeValue(tags.service_name);  // no local endpoint: the tag names the service
    }
    // A service.name tag beside the local endpoint repeats its name (OpenTelemetry SDKs).

    key = service;
    for (const model::Tag* t : tags.resource)
      absl::StrAppend(&key, "\n", t->key(), "=", t->value());
    auto [it, inserted] = groups.try_emplace(key);
    Group& group = it->second;
    if (inserted) {
      group.resource = out->resource_spans_size();
      auto* attributes = out->add_resource_spans()->mutable_resource()->mutable_attributes();
      if (!service.empty()) SetString(attributes, service_key, service);
      for (model::Tag* t : tags.resource) {
        if (t->key() == service_key && !service.empty()) continue;
        SetString(attributes, t->key(), std::move(*t->mutable_value()));
      }
    }
    auto* resource_spans = out->mutable_resource_spans(group.resource);
    const std::string* scope_name =
        tags.scope_name != nullptr ? &tags.scope_name->value() : nullptr;
    const std::string* scope_version =
        tags.scope_version != nullptr ? &tags.scope_version->value() : nullptr;
    auto [scope_it, new_scope] = group.scopes.try_emplace(
        absl::StrCat(scope_name ? *scope_name : "", "\n", scope_version ? *scope_version : ""),
        resource_spans->scope_spans_size());
    if (new_scope) {
      auto* scope = resource_spans->add_scope_spans()->mutable_scope();
      scope->set_name(TakeValue(tags.scope_name));
      scope->set_version(TakeValue(tags.scope_version));
    }
    SpanToOtlp(std::move(span), options, tags,
               resource_spans->mutable_scope_spans(scope_it->second)->add_spans());
  }
  return absl::OkStatus();
}

}  // namespace weir::zipkin
