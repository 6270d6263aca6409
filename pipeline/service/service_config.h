// ServiceConfig: a whole weir configuration, decoded and validated against the compiled-in
// factories. Building it does everything config time can do, so that `weir validate` and
// start-up report the same problems, all at once, before anything starts.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/diagnostics.h"
#include "pipeline/factory.h"
#include "pipeline/fanout.h"
#include "pipeline/registry.h"
#include "pipeline/telemetry/logger.h"
#include "yaml-cpp/yaml.h"

namespace weir::service {

// The service assembles components; it names their API types without the namespace.
using pipeline::Clock;
using pipeline::Component;
using pipeline::ComponentConfig;
using pipeline::ComponentId;
using pipeline::ExporterFactory;
using pipeline::Extension;
using pipeline::ExtensionFactory;
using pipeline::Factory;
using pipeline::FanoutConsumer;
using pipeline::Host;
using pipeline::Kind;
using pipeline::KindName;
using pipeline::ProcessorFactory;
using pipeline::ReceiverFactory;
using pipeline::Registry;
using pipeline::SectionName;
using pipeline::Settings;
using pipeline::TracesConsumer;
using pipeline::TracesExporter;
using pipeline::TracesProcessor;

struct ComponentEntry {
  ComponentId id;
  const Factory* factory = nullptr;
  std::unique_ptr<ComponentConfig> config;
};

struct PipelineSpec {
  std::string id;  // "traces" or "traces/name"
  std::vector<std::string> receivers;
  std::vector<std::string> processors;
  std::vector<std::string> exporters;
};

struct TelemetrySpec {
  // service.telemetry.metrics.address (or the first pull/prometheus reader's host:port);
  // default "localhost:8888". Empty when service.telemetry.metrics.level is none.
  std::string metrics_address = "localhost:8888";
  // service.telemetry.logs.level: debug, info (default), warn, error.
  log::Level log_level = log::Level::kInfo;
};

struct ServiceConfig {
  // Keyed by component id string ("otlp", "otlp/2").
  std::map<std::string, ComponentEntry> receivers, processors, exporters, extensions;
  std::vector<std::string> enabled_extensions;  // service.extensions, in order
  std::vector<PipelineSpec> pipelines;          // service.pipelines, sorted by id
  TelemetrySpec telemetry;
  // service.shutdown_timeout (weir): how long a clean shutdown may take. Default 30s.
  absl::Duration shutdown_timeout = absl::Seconds(30);
  // service.memory_limit_mib (weir): the memory budget's limit, in bytes. 0 in the file (or
  // unset) means the default of memory_limit.h, resolved here.
  size_t memory_limit_bytes = 0;
};

// One endpoint a configuration listens on.
struct Listener {
  std::string owner;     // "receivers.otlp", "extensions.health_check", "service.telemetry.metrics"
  std::string endpoint;  // "host:port" as written in the config
};

// Every endpoint `config` listens on: the receivers its pipelines use, its enabled extensions and
// the metrics endpoint, in that order.
std::vector<Listener> ListenersOf(const ServiceConfig& config);

// Decodes and validates `document`; every problem goes to `diagnostics`. The result is only
// meaningful when diagnostics->ok().
std::unique_ptr<ServiceConfig> DecodeServiceConfig(const YAML::Node& document,
                                                   const Registry& registry,
                                                   config::Diagnostics* diagnostics);

// The configuration weir runs when started without --config: OTLP gRPC on localhost:4317 and
// HTTP on localhost:4318 → batch → debug exporter; metrics on localhost:8888.
extern const char kDefaultConfigYaml[];

}  // namespace weir::service
