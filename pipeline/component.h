// The component model: what every receiver, processor, exporter and extension is, what it is
// handed when created, and the contract of Start and Shutdown.
//
// Contract:
//   - Start(host) is called once, after every downstream component has started. It returns
//     quickly; long work moves to background threads. An error aborts service start-up.
//   - Shutdown(deadline) is idempotent and safe without Start. It stops intake, hands whatever
//     it holds downstream (downstream is still running) and returns by `deadline`.
//   - Components are created and started/stopped on the control thread; data methods
//     (ConsumeTraces) may be called from any thread between Start and Shutdown.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pipeline/consumer.h"

namespace boost::asio {
class io_context;
}
namespace weir::telemetry {
class Telemetry;
}

namespace weir::pipeline {

class Clock;
class Extension;

// A component's identity from the config: "type" or "type/name".
struct ComponentId {
  std::string type;
  std::string name;

  std::string ToString() const { return name.empty() ? type : type + "/" + name; }
  // Parses "type[/name]"; type is [a-zA-Z][a-zA-Z0-9_]*, name is non-empty.
  static bool Parse(absl::string_view text, ComponentId* id, std::string* error);
  bool operator==(const ComponentId&) const = default;
};

// What a running component can ask of the service.
class Host {
 public:
  virtual ~Host() = default;
  // Reports a failure after start (e.g. a listener died); the service logs it and shuts down
  // with a non-zero exit.
  virtual void ReportFatalError(const absl::Status& status) = 0;
  // The running extension with id `id` ("type[/name]"), or nullptr when no such extension is
  // enabled in service.extensions. Extensions start before, and stop after, every other
  // component, so the pointer stays valid until the caller's Shutdown returns. Control thread
  // only (from Start).
  virtual Extension* GetExtension(absl::string_view id) { return nullptr; }
};

class Component {
 public:
  virtual ~Component() = default;
  virtual absl::Status Start(Host& host) = 0;
  virtual void Shutdown(absl::Time deadline) = 0;
};

class TracesProcessor : public Component, public TracesConsumer {};
class TracesExporter : public Component, public TracesConsumer {};

class Extension : public Component {
 public:
  // Called when all pipelines are running (true) and when shutdown begins (false).
  virtual void OnPipelinesReady(bool ready) {}
};

// What the service hands a component when it creates it.
struct Settings {
  ComponentId id;
  telemetry::Telemetry* telemetry = nullptr;  // never null
  boost::asio::io_context* io = nullptr;      // shared I/O pool; never null
  Clock* clock = nullptr;                     // never null
  std::string pipeline;                       // processors only: the pipeline id
};

// The base of every component's decoded config. Factories downcast to their own type.
class ComponentConfig {
 public:
  virtual ~ComponentConfig() = default;
};

}  // namespace weir::pipeline
