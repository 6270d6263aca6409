// Service: the running graph built from a ServiceConfig.
//
// One receiver instance per id (shared by the pipelines that list it), one processor instance per
// (pipeline, id), one exporter instance per id (shared). Components are created exporters
// first and receivers last, started in that order, and shut down in reverse so each stage
// drains into a live consumer. The self-metrics endpoint runs beside the graph.
//
// Shutdown comes in two halves so that a reload can bring the next graph up while this one
// drains (see ServiceRunner): StopIntake closes everything that listens, Drain empties the rest.
// Each stage of a shutdown gets its own share of the deadline, so one slow stage (an exporter
// retrying a backend that is down) cannot take the time of the others:
//   receivers (and listening extensions, the metrics endpoint)  up to 10 % of the time
//   processors                                                  up to 30 %
//   exporters                                                   until 5 % before the deadline
//   the other extensions                                        the rest
// A stage that finishes early leaves its time to the exporters.
//
// Threading: Build, Start, StopIntake and Shutdown on the control thread. Drain on any one
// thread once StopIntake returned, with nothing else using the Service meanwhile (the
// destructor included). ReportFatalError from any thread. Components are destroyed in reverse
// dependency order — metrics endpoint, receivers, processors, fan-outs, exporters, extensions —
// so nothing is destroyed while something that feeds it still exists.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
  // `on_fatal` is called (from any thread, at most once) when a component fails after start,
  // unless the service was retired first. `telemetry` must outlive every thread of `io`.
  Service(std::unique_ptr<ServiceConfig> config, Telemetry& telemetry, boost::asio::io_context& io,
          Clock& clock, std::function<void(const absl::Status&)> on_fatal);
  // Shuts down (within 5 s) if that has not happened, then destroys the components.
  ~Service();

  // Sets the process's memory budget from the config and creates every component. Returns the
  // first creation error, naming the component. Binds nothing.
  absl::Status Build();
  // Starts extensions, exporters, processors, receivers, then the metrics endpoint. On error,
  // what was started is shut down again and the error names the component.
  absl::Status Start();

  // The whole shutdown: StopIntake(deadline), then Drain(). Spans already accepted are flushed
  // to exporters within the stages' shares of `deadline`. Idempotent.
  void Shutdown(absl::Time deadline);
  // The first half: extensions hear that the pipelines stop (health checks answer 503), the
  // receivers stop accepting and finish the requests in flight, then the listening extensions
  // and the metrics endpoint close. `deadline` is the whole shutdown's; this half takes at most
  // its 10 %. Idempotent.
  void StopIntake(absl::Time deadline);
  // The second half: processors flush, exporters drain, the remaining extensions stop, each
  // within its share of the deadline given to StopIntake. What cannot be delivered by then is
  // counted by the component that held it. REQUIRES: StopIntake returned. Idempotent.
  void Drain();

  // From now on a component failure is logged and nothing more: this service is being replaced,
  // and its failures must not stop the one that replaces it.
  void Retire() { retired_ = true; }

  const ServiceConfig& config() const { return *config_; }
  // The bound address of the metrics endpoint ("" when disabled), after Start.
  std::string metrics_address() const;

 private:
  template <typename T>
  struct Named {
    std::string id;
    std::unique_ptr<T> component;
    bool listens = false;  // holds a port (extensions); stopped with the intake
    bool started = false;
  };

  void ReportFatalError(const absl::Status& status) override;
  // An enabled extension by id, once it was created (Build); nullptr otherwise.
  Extension* GetExtension(absl::string_view id) override;
  Settings MakeSettings(const ComponentEntry& entry, std::string pipeline = "");
  TracesConsumer* Combine(std::vector<TracesConsumer*> consumers);
  // A consumer that adds each batch's span count to `counter` and hands the batch to `next`.
  TracesConsumer* CountingEdge(TracesConsumer& next, prometheus::Counter* counter);
  // The deadline of a stage that begins now and may use `share` of the shutdown's time, while
  // `reserve` of it stays for the stages after it.
  absl::Time StageDeadline(double share, double reserve) const;
  template <typename T>
  static void ShutdownStarted(std::vector<Named<T>>& components, absl::Time deadline,
                              bool listening_only = false);

  std::unique_ptr<ServiceConfig> config_;
  Telemetry& telemetry_;
  boost::asio::io_context& io_;
  Clock& clock_;
  std::function<void(const absl::Status&)> on_fatal_;

  // Named components in start order within each kind. Declared so that the default
  // destruction order is also the safe one (the destructor makes it explicit).
  std::vector<Named<Extension>> extensions_;
  std::vector<Named<TracesExporter>> exporters_;
  std::vector<std::unique_ptr<FanoutConsumer>> fanouts_;
  // The counting edges around each processor (otelcol_processor_{incoming,outgoing}_items).
  std::vector<std::unique_ptr<TracesConsumer>> edges_;
  std::vector<Named<TracesProcessor>> processors_;  // per pipeline, last-to-first
  std::vector<Named<Component>> receivers_;
  std::unique_ptr<HttpServer> metrics_server_;
  bool metrics_started_ = false;

  bool intake_stopped_ = false;
  bool drained_ = false;
  absl::Time shutdown_start_;
  absl::Time shutdown_deadline_;
  std::atomic<bool> retired_{false};
  std::mutex fatal_mu_;
  bool fatal_reported_ = false;
};

}  // namespace weir::service
