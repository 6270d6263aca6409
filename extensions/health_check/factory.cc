#include "extensions/health_check/factory.h"

#include <atomic>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "config/blocks.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"

namespace weir::extensions::health_check {
namespace {

namespace http = boost::beast::http;

struct Config : pipeline::ComponentConfig {
  std::string endpoint = "localhost:13133";  // endpoint: host:port to listen on
  std::string path = "/";                    // path: the URL path answered
};

class HealthCheck final : public pipeline::Extension {
 public:
  HealthCheck(const pipeline::Settings& settings, const Config& config)
      : id_(settings.id.ToString()), config_(config), io_(*settings.io) {}

  absl::Status Start(pipeline::Host& host) override {
    net::HttpServerOptions options;
    options.endpoint = config_.endpoint;
    options.name = id_;
    options.max_body_bytes = 64 * 1024;
    server_ = std::make_unique<net::HttpServer>(
        io_, options, [this](net::HttpRequest& request) { return Handle(request); });
    if (absl::Status s = server_->Start(); !s.ok()) return s;
    log::Info("extension/health_check", "%s: listening on %s (path %s)", id_,
              server_->bound_address(), config_.path);
    return absl::OkStatus();
  }

  void Shutdown(absl::Time deadline) override {
    ready_ = false;
    if (server_) server_->Shutdown(deadline);
  }

  void OnPipelinesReady(bool ready) override {
    if (ready) up_since_ = absl::Now();
    ready_ = ready;
  }

 private:
  net::HttpResponse Handle(net::HttpRequest& request) {
    absl::string_view target(request.target().data(), request.target().size());
    if (target.substr(0, target.find('?')) != config_.path) {
      return net::MakeHttpResponse(request, http::status::not_found, "text/plain",
                                   "404 page not found\n");
    }
    if (!ready_) {
      return net::MakeHttpResponse(request, http::status::service_unavailable, "application/json",
                                   "{\"status\":\"Server not available\"}\n");
    }
    absl::Time since = up_since_;
    return net::MakeHttpResponse(
        request, http::status::ok, "application/json",
        absl::StrCat("{\"status\":\"Server available\",\"upSince\":\"",
                     absl::FormatTime(absl::RFC3339_full, since, absl::UTCTimeZone()),
                     "\",\"uptime\":\"", absl::FormatDuration(absl::Now() - since), "\"}\n"));
  }

  std::string id_;
  Config config_;
  boost::asio::io_context& io_;
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<bool> ready_{false};
  absl::Time up_since_;
};

}  // namespace

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  auto cfg = std::make_unique<Config>();
  config::ReadEndpoint(node, "endpoint", &cfg->endpoint);
  if (node.Read("path", &cfg->path) && !absl::StartsWith(cfg->path, "/")) {
    node.ErrorAt("path", "must start with /");
  }
  // otelcol keys weir accepts without acting on them.
  node.Child("check_collector_pipeline");
  node.Child("response_body");
  node.RejectUnknownKeys();
  return cfg;
}

std::vector<std::string> Factory::ListenEndpoints(const pipeline::ComponentConfig& config) const {
  return {pipeline::ConfigAs<Config>(config).endpoint};
}

absl::StatusOr<std::unique_ptr<pipeline::Extension>> Factory::Create(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const {
  return std::make_unique<HealthCheck>(settings, pipeline::ConfigAs<Config>(config));
}

}  // namespace weir::extensions::health_check
