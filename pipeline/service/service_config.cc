#include "pipeline/service/service_config.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "config/blocks.h"
#include "config/node.h"
#include "pipeline/memory_budget.h"
#include "pipeline/service/memory_limit.h"

namespace weir::service {
namespace {

using config::Diagnostics;
using config::Node;

const char* const kTopLevelKeys[] = {"receivers",  "processors", "exporters",
                                     "extensions", "connectors", "service"};

void DecodeSection(Node root, Kind kind, const Registry& registry,
                   std::map<std::string, ComponentEntry>* out) {
  Node section = root.Child(SectionName(kind));
  for (auto& [key, node] : section.Entries()) {
    ComponentEntry entry;
    std::string error;
    if (!ComponentId::Parse(key, &entry.id, &error)) {
      section.ErrorAt(key, error);
      continue;
    }
    entry.factory = registry.Find(kind, entry.id.type);
    if (entry.factory == nullptr) {
      section.ErrorAt(key,
                      absl::StrCat("unknown ", KindName(kind), " type \"", entry.id.type,
                                   "\"; known types: ", absl::StrJoin(registry.Types(kind), ", ")));
      continue;
    }
    entry.config = entry.factory->DecodeConfig(node);
    out->emplace(key, std::move(entry));
  }
}

void DecodeTelemetry(Node telemetry, TelemetrySpec* spec) {
  Node metrics = telemetry.Child("metrics");
  std::string level;
  if (metrics.Read("level", &level)) {
    if (level == "none")
      spec->metrics_address.clear();
    else if (level != "basic" && level != "normal" && level != "detailed")
      metrics.ErrorAt("level", "expected none, basic, normal or detailed");
  }
  if (!spec->metrics_address.empty()) {
    config::ReadEndpoint(metrics, "address", &spec->metrics_address);
  } else {
    metrics.Child("address");
  }
  // The newer otelcol form: readers: [{pull: {exporter: {prometheus: {host, port}}}}].
  Node readers = metrics.Child("readers");
  std::vector<Node> elements = readers.Elements();
  if (readers.IsSet() && !readers.IsSequence()) readers.Error("expected a list");
  for (Node& reader : elements) {
    Node prometheus = reader.Child("pull").Child("exporter").Child("prometheus");
    if (!prometheus.IsSet()) {
      reader.Error("only pull readers with a prometheus exporter are supported");
      continue;
    }
    std::string host = "localhost";
    int port = 8888;
    prometheus.Read("host", &host);
    if (prometheus.Read("port", &port) && (port < 0 || port > 65535)) {
      prometheus.ErrorAt("port", "expected a port from 0 to 65535");
    }
    prometheus.RejectUnknownKeys();
    if (!spec->metrics_address.empty()) spec->metrics_address = absl::StrCat(host, ":", port);
  }
  metrics.RejectUnknownKeys();

  Node logs = telemetry.Child("logs");
  std::string log_level;
  if (logs.Read("level", &log_level)) {
    std::string lower = absl::AsciiStrToLower(log_level);
    if (!log::ParseLevel(lower, &spec->log_level)) {
      logs.ErrorAt("level", "expected debug, info, warn or error");
    }
  }
  // otelcol log options weir accepts and ignores: its log format is fixed.
  for (const char* ignored : {"encoding", "development", "disable_caller", "disable_stacktrace",
                              "sampling", "output_paths", "error_output_paths", "initial_fields"}) {
    logs.Child(ignored);
  }
  logs.RejectUnknownKeys();
  telemetry.Child("resource");  // accepted for compatibility; weir adds no resource labels
  telemetry.RejectUnknownKeys();
}

void CheckReferences(Node list_node, const std::vector<std::string>& ids,
                     const std::map<std::string, ComponentEntry>& defined, Kind kind) {
  std::set<std::string> seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string path = absl::StrCat(list_node.path(), "[", i, "]");
    if (defined.count(ids[i]) == 0) {
      list_node.diagnostics().Add(path,
                                  absl::StrCat("references ", KindName(kind), " \"", ids[i],
                                               "\" which is not defined in ", SectionName(kind)),
                                  list_node.line());
    }
    if (!seen.insert(ids[i]).second) {
      list_node.diagnostics().Add(path, absl::StrCat("\"", ids[i], "\" is listed twice"),
                                  list_node.line());
    }
  }
}

void DecodePipelines(Node pipelines, ServiceConfig* cfg) {
  if (!pipelines.IsSet()) {
    pipelines.Error("at least one traces pipeline is required");
    return;
  }
  for (auto& [key, node] : pipelines.Entries()) {
    absl::string_view signal = absl::string_view(key).substr(0, key.find('/'));
    if (signal != "traces") {
      node.Error(
          absl::StrCat("weir handles traces only; \"", signal, "\" pipelines are not supported"));
      continue;
    }
    if (key.find('/') != std::string::npos && key.size() == signal.size() + 1) {
      node.Error("the pipeline name after / is empty");
      continue;
    }
    PipelineSpec spec;
    spec.id = key;
    node.ReadRequired("receivers", &spec.receivers);
    node.Read("processors", &spec.processors);
    node.ReadRequired("exporters", &spec.exporters);
    CheckReferences(node.Child("receivers"), spec.receivers, cfg->receivers, Kind::kReceiver);
    CheckReferences(node.Child("processors"), spec.processors, cfg->processors, Kind::kProcessor);
    CheckReferences(node.Child("exporters"), spec.exporters, cfg->exporters, Kind::kExporter);
    node.RejectUnknownKeys();
    cfg->pipelines.push_back(std::move(spec));
  }
  if (cfg->pipelines.empty() && pipelines.IsMap()) {
    pipelines.Error("at least one traces pipeline is required");
  }
}

// Normalizes a host for the clash check: wildcard hosts collide with every host.
std::string ClashHost(const std::string& host) {
  if (host.empty() || host == "0.0.0.0" || host == "::") return "*";
  if (host == "localhost") return "127.0.0.1";
  return host;
}

void CheckListenerClashes(const std::vector<Listener>& listeners, Diagnostics* diagnostics) {
  std::vector<std::pair<const Listener*, config::HostPort>> parsed;
  for (const Listener& l : listeners) {
    config::HostPort address;
    std::string error;
    if (config::ParseHostPort(l.endpoint, &address, &error)) parsed.emplace_back(&l, address);
  }
  for (size_t i = 0; i < parsed.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const auto& [a, aa] = parsed[i];
      const auto& [b, ba] = parsed[j];
      if (aa.port == 0 || aa.port != ba.port) continue;
      std::string ha = ClashHost(aa.host), hb = ClashHost(ba.host);
      if (ha != hb && ha != "*" && hb != "*") continue;
      diagnostics->Add(a->owner, absl::StrCat("listens on ", a->endpoint, ", which ", b->owner,
                                              " already uses (", b->endpoint, ")"));
    }
  }
}

// Every `auth.authenticator` of the receivers and exporters the pipelines use must name an
// extension that is defined, is an authenticator that can play the role, and is enabled in
// service.extensions (otelcol finds out only at start; weir says so with the rest).
void CheckAuthenticators(const ServiceConfig& cfg, const Registry& registry,
                         Diagnostics* diagnostics) {
  std::set<std::string> used_receivers, used_exporters;
  for (const PipelineSpec& p : cfg.pipelines) {
    used_receivers.insert(p.receivers.begin(), p.receivers.end());
    used_exporters.insert(p.exporters.begin(), p.exporters.end());
  }
  std::vector<std::string> authenticator_types;
  for (const std::string& type : registry.Types(Kind::kExtension)) {
    if (registry.ExtensionType(type)->authenticator()) authenticator_types.push_back(type);
  }
  const std::string supported =
      absl::StrCat("weir's authenticators are ", absl::StrJoin(authenticator_types, ", "));
  auto check = [&](const ComponentEntry& entry) {
    if (!entry.config) return;
    for (const pipeline::AuthReference& ref : entry.factory->AuthReferences(*entry.config)) {
      const std::string& id = ref.auth.authenticator;
      if (id.empty()) continue;  // reported by the block's own decoding
      const std::string side = ref.server ? "server" : "client";
      std::string type = id.substr(0, id.find('/'));
      const ExtensionFactory* factory = registry.ExtensionType(type);
      if (factory == nullptr || !factory->authenticator()) {
        diagnostics->Add(
            ref.auth.path,
            absl::StrCat("\"", id, "\" is not a supported authenticator (", supported, ")"),
            ref.auth.line);
        continue;
      }
      auto it = cfg.extensions.find(id);
      if (it == cfg.extensions.end()) {
        diagnostics->Add(
            ref.auth.path,
            absl::StrCat("references extension \"", id, "\" which is not defined in extensions"),
            ref.auth.line);
        continue;
      }
      if (std::find(cfg.enabled_extensions.begin(), cfg.enabled_extensions.end(), id) ==
          cfg.enabled_extensions.end()) {
        diagnostics->Add(ref.auth.path,
                         absl::StrCat("references extension \"", id,
                                      "\" which is not enabled: add it to service.extensions"),
                         ref.auth.line);
        continue;
      }
      if (!it->second.config) continue;
      pipeline::AuthRoles roles = factory->AuthenticatorRoles(*it->second.config);
      if ((ref.server && !roles.server) || (!ref.server && !roles.client)) {
        diagnostics->Add(
            ref.auth.path,
            absl::StrCat("extension \"", id, "\" is not configured as a ", side, " authenticator"),
            ref.auth.line);
      }
    }
  };
  for (const std::string& id : used_receivers) {
    if (auto it = cfg.receivers.find(id); it != cfg.receivers.end()) check(it->second);
  }
  for (const std::string& id : used_exporters) {
    if (auto it = cfg.exporters.find(id); it != cfg.exporters.end()) check(it->second);
  }
}

}  // namespace

std::unique_ptr<ServiceConfig> DecodeServiceConfig(const YAML::Node& document,
                                                   const Registry& registry,
                                                   Diagnostics* diagnostics) {
  auto cfg = std::make_unique<ServiceConfig>();
  Node root(document, "", diagnostics);
  for (const char* key : kTopLevelKeys) root.Child(key);
  root.RejectUnknownKeys();
  if (root.Child("connectors").IsSet()) {
    root.ErrorAt("connectors", "connectors are not supported by weir");
  }
  DecodeSection(root, Kind::kReceiver, registry, &cfg->receivers);
  DecodeSection(root, Kind::kProcessor, registry, &cfg->processors);
  DecodeSection(root, Kind::kExporter, registry, &cfg->exporters);
  DecodeSection(root, Kind::kExtension, registry, &cfg->extensions);

  Node service = root.Child("service");
  if (!service.IsSet()) service.Error("required: the service section with its pipelines");
  service.Read("extensions", &cfg->enabled_extensions);
  CheckReferences(service.Child("extensions"), cfg->enabled_extensions, cfg->extensions,
                  Kind::kExtension);
  if (service.Read("shutdown_timeout", &cfg->shutdown_timeout) &&
      cfg->shutdown_timeout <= absl::ZeroDuration()) {
    service.ErrorAt("shutdown_timeout", "must be greater than 0");
  }
  int64_t memory_limit_mib = 0;
  if (service.Read("memory_limit_mib", &memory_limit_mib) &&
      (memory_limit_mib < 0 || memory_limit_mib > (int64_t{1} << 30))) {
    service.ErrorAt("memory_limit_mib", "must be between 0 (automatic) and 1073741824");
  }
  cfg->memory_limit_bytes = memory_limit_mib > 0
                                ? static_cast<size_t>(memory_limit_mib) << 20
                                : DefaultMemoryLimitBytes(pipeline::AvailableMemoryBytes());
  DecodeTelemetry(service.Child("telemetry"), &cfg->telemetry);
  if (service.IsSet()) DecodePipelines(service.Child("pipelines"), cfg.get());
  service.RejectUnknownKeys();

  CheckAuthenticators(*cfg, registry, diagnostics);
  // Two listeners on one port fail only at bind time otherwise; catch them now.
  CheckListenerClashes(ListenersOf(*cfg), diagnostics);
  return cfg;
}

std::vector<Listener> ListenersOf(const ServiceConfig& cfg) {
  std::vector<Listener> listeners;
  std::set<std::string> used_receivers;
  for (const PipelineSpec& p : cfg.pipelines)
    used_receivers.insert(p.receivers.begin(), p.receivers.end());
  for (const std::string& id : used_receivers) {
    auto it = cfg.receivers.find(id);
    if (it == cfg.receivers.end() || !it->second.config) continue;
    for (const std::string& e : it->second.factory->ListenEndpoints(*it->second.config))
      listeners.push_back({absl::StrCat("receivers.", id), e});
  }
  for (const std::string& id : cfg.enabled_extensions) {
    auto it = cfg.extensions.find(id);
    if (it == cfg.extensions.end() || !it->second.config) continue;
    for (const std::string& e : it->second.factory->ListenEndpoints(*it->second.config))
      listeners.push_back({absl::StrCat("extensions.", id), e});
  }
  if (!cfg.telemetry.metrics_address.empty()) {
    listeners.push_back({"service.telemetry.metrics", cfg.telemetry.metrics_address});
  }
  return listeners;
}

const char kDefaultConfigYaml[] = R"yaml(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:4317
      http:
        endpoint: localhost:4318
processors:
  batch:
exporters:
  debug:
    verbosity: basic
extensions:
  health_check:
    endpoint: localhost:13133
service:
  extensions: [health_check]
  telemetry:
    metrics:
      address: localhost:8888
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [debug]
)yaml";

}  // namespace weir::service
