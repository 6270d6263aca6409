// The `health_check` extension: an HTTP endpoint that answers 200 while every pipeline is
// running and 503 before start-up completes and once shutdown begins, for load balancers and
// Kubernetes probes.
//
// Threading: Start and Shutdown from the control thread; requests are answered on the I/O pool;
// OnPipelinesReady from any thread. The request handler shares only a small state object with
// this extension, so a request still being answered when the extension is gone is safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "extensions/health_check/config.h"
#include "pipeline/component.h"
#include "pipeline/net/http_server.h"

namespace weir::extensions::health_check {

class HealthCheck final : public pipeline::Extension {
 public:
  // Copies `config`; serves on settings.io once started.
  HealthCheck(const pipeline::Settings& settings, const Config& config);

  // Listens on config.endpoint; the bind error when that fails.
  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  void OnPipelinesReady(bool ready) override;

 private:
  // What the request handler reads: the path, and whether (and since when) the pipelines run.
  struct State;

  std::string id_;
  Config config_;
  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace weir::extensions::health_check
