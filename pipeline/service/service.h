// Service: the running graph built from a ServiceConfig.
//
// One receiver instance per id (shared by the pipelines that list it), one processor instance per
// (pipeline, id), one exporter instance per id (shared). Components are created exporters
// first and receivers last, started in that order, and shut down in reverse so each stage
// drains into a live consumer. The self-metrics endpoint runs beside the graph.
//
// Threading: Build, Start and Shutdown on the control thread. ReportFatalError from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/clock.h"
#include "pipeline/fanout.h"
#include "pipeline/net/http_server.h"
#include "pipeline/service/service_config.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::service {

using net::HttpRequest;
using net::HttpServer;
using net::HttpServerOptions;
using net::MakeHttpResponse;
using telemetry::Telemetry;

class Service final : private Host {
 public:
  // `on_fatal` is called (from any thread, at most once) when a component fails after start.
  Service(std::unique_ptr<ServiceConfig> config, Telemetry& telemetry, boost::asio::io_context& io,
          Clock& clock, std::function<void(const absl::Status&)> on_fatal);
  ~Service();

  // Creates every component. Returns the first creation error, naming the component.
  absl::Status Build();
  // Starts extensions, exporters, processors, receivers, then the metrics endpoint. On error,
  // what was started is shut down again.
  absl::Status Start();
  // Stops everything in reverse order; spans already accepted are flushed to exporters until
  // `deadline`. Idempotent.
  void Shutdown(absl::Time deadline);

  const ServiceConfig& config() const { return *config_; }
  // The bound address of the metrics endpoint ("" when disabled), after Start.
  std::string metrics_address() const;

 private:
  void ReportFatalError(const absl::Status& status) override;
  Settings MakeSettings(const ComponentEntry& entry, std::string pipeline = "");
  TracesConsumer* Combine(std::vector<TracesConsumer*> consumers);

  std::unique_ptr<ServiceConfig> config_;
  Telemetry& telemetry_;
  boost::asio::io_context& io_;
  Clock& clock_;
  std::function<void(const absl::Status&)> on_fatal_;

  // Named components in start order within each kind.
  template <typename T>
  struct Named {
    std::string id;
    std::unique_ptr<T> component;
  };
  std::vector<Named<Extension>> extensions_;
  std::vector<Named<TracesExporter>> exporters_;
  std::vector<Named<TracesProcessor>> processors_;  // per pipeline, last-to-first
  std::vector<Named<Component>> receivers_;
  std::vector<std::unique_ptr<FanoutConsumer>> fanouts_;
  std::unique_ptr<HttpServer> metrics_server_;

  std::vector<Component*> started_;  // in start order
  bool shut_down_ = false;
  absl::Mutex fatal_mu_;
  bool fatal_reported_ = false;
};

}  // namespace weir::service
