// ServiceRunner: keeps weir's pipelines running from start-up to exit, across reloads.
//
// It owns the running Service and the retired ones still draining. A reload
//   1. builds the new graph while the old one keeps serving; a config that cannot be built, or
//      that needs a port another process holds, is refused and the old one never stops;
//   2. stops the old service's intake (receivers, listening extensions, metrics endpoint) and
//      waits until their ports can be bound again;
//   3. lets the old service drain (processors flush, exporters deliver what they hold) on a
//      thread of its own, for up to its shutdown_timeout; the new service starts as soon as the
//      old one is drained or after `handover_wait`, whichever comes first, so a backend that is
//      down does not keep the receivers closed;
//   4. starts the new service; when that fails, starts the previous configuration again from
//      the YAML it was decoded from.
// Spans the retired service cannot deliver by its deadline are counted by the components that
// held them (otelcol_processor_dropped_spans, otelcol_exporter_send_failed_spans), as at exit.
//
// Threading: every method on the control thread. Retired services drain on their own threads;
// the process-wide memory budget counts the spans of all of them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/registry.h"
#include "pipeline/service/service.h"
#include "pipeline/service/service_config.h"
#include "yaml-cpp/yaml.h"

namespace weir::service {

// A validated configuration and the YAML it was decoded from (to decode it again, should a
// later reload need to bring it back).
struct LoadedConfig {
  std::unique_ptr<ServiceConfig> config;
  YAML::Node document;
};

class ServiceRunner {
 public:
  struct Options {
    // How long a reload waits for the retired service to drain before starting the new one
    // beside it.
    absl::Duration handover_wait = absl::Milliseconds(200);
    // How long a reload waits for the retired service's ports to be released.
    absl::Duration port_release_wait = absl::Seconds(2);
  };

  enum class ReloadOutcome {
    kReloaded,  // the new configuration runs
    kRefused,   // the new configuration could not be built or needs a port in use; the old
                // service never stopped
    kRestored,  // the new configuration failed to start; the previous one runs again
  };

  // `registry` decodes a configuration again when it must be restored. Every reference must
  // outlive this object; `telemetry` must outlive the threads of `io`.
  ServiceRunner(const Registry& registry, Telemetry& telemetry, boost::asio::io_context& io,
                Clock& clock, std::function<void(const absl::Status&)> on_fatal, Options options);
  ServiceRunner(const Registry& registry, Telemetry& telemetry, boost::asio::io_context& io,
                Clock& clock, std::function<void(const absl::Status&)> on_fatal)
      : ServiceRunner(registry, telemetry, io, clock, std::move(on_fatal), Options()) {}
  // Shutdown().
  ~ServiceRunner();

  // Builds and starts the first service. Returns the reason (naming the component, and the
  // port when one is in use) when it cannot start; nothing runs then.
  absl::Status Start(LoadedConfig config);

  // Replaces the running service with one built from `config` (see the header comment). Returns
  // an error only when neither the new nor the previous configuration could be started: nothing
  // runs then and the caller should exit. REQUIRES: Start succeeded.
  absl::StatusOr<ReloadOutcome> Reload(LoadedConfig config);

  // Stops the running service within its shutdown_timeout, then waits for the retired ones to
  // finish draining (each within its own deadline). Idempotent.
  void Shutdown();

  // The running service; null before Start and after Shutdown.
  const Service* service() const { return current_.get(); }

 private:
  struct Retired;

  // A Service built from `config`, or the build error. Restores the memory budget's limit of
  // the running service when the build fails.
  absl::StatusOr<std::unique_ptr<Service>> Build(std::unique_ptr<ServiceConfig> config);
  // Stops the running service's intake and hands it to a drain thread.
  void RetireCurrent();
  // Starts the configuration that ran before the failed reload.
  absl::Status Restore(const YAML::Node& document);
  // Joins the drain threads that have finished.
  void ReapDrained();

  const Registry& registry_;
  Telemetry& telemetry_;
  boost::asio::io_context& io_;
  Clock& clock_;
  std::function<void(const absl::Status&)> on_fatal_;
  Options options_;

  std::unique_ptr<Service> current_;
  YAML::Node current_document_;
  std::vector<std::unique_ptr<Retired>> retired_;
};

}  // namespace weir::service
