#include "extensions/health_check/health_check.h"

#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "pipeline/telemetry/logger.h"

namespace weir::extensions::health_check {

namespace http = boost::beast::http;

struct HealthCheck::State {
  explicit State(std::string path) : path(std::move(path)) {}

  net::HttpResponse Handle(net::HttpRequest& request) const;

  const std::string path;
  mutable std::mutex mu;
  std::optional<absl::Time> up_since ABSL_GUARDED_BY(mu);  // set while the pipelines run
};

HealthCheck::HealthCheck(const pipeline::Settings& settings, const Config& config)
    : id_(settings.id.ToString()),
      config_(config),
      io_(*settings.io),
      state_(std::make_shared<State>(config.path)) {}

absl::Status HealthCheck::Start(pipeline::Host& host) {
  net::HttpServerOptions options;
  options.endpoint = config_.endpoint;
  options.name = id_;
  options.max_body_bytes = 64 * 1024;
  server_ = std::make_unique<net::HttpServer>(
      io_, options, [state = state_](net::HttpRequest& request) { return state->Handle(request); });
  if (absl::Status s = server_->Start(); !s.ok()) return s;
  log::Info("extension/health_check", "%s: listening on %s (path %s)", id_,
            server_->bound_address(), config_.path);
  return absl::OkStatus();
}

void HealthCheck::Shutdown(absl::Time deadline) {
  OnPipelinesReady(false);
  if (server_) server_->Shutdown(deadline);
}

void HealthCheck::OnPipelinesReady(bool ready) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (ready) {
    state_->up_since = absl::Now();
  } else {
    state_->up_since.reset();
  }
}

net::HttpResponse HealthCheck::State::Handle(net::HttpRequest& request) const {
  absl::string_view target(request.target().data(), request.target().size());
  if (target.substr(0, target.find('?')) != path) {
    return net::MakeHttpResponse(request, http::status::not_found, "text/plain",
                                 "404 page not found\n");
  }
  std::optional<absl::Time> since;
  {
    std::lock_guard<std::mutex> lock(mu);
    since = up_since;
  }
  if (!since) {
    return net::MakeHttpResponse(request, http::status::service_unavailable, "application/json",
                                 "{\"status\":\"Server not available\"}\n");
  }
  return net::MakeHttpResponse(
      request, http::status::ok, "application/json",
      absl::StrCat("{\"status\":\"Server available\",\"upSince\":\"",
                   absl::FormatTime(absl::RFC3339_full, *since, absl::UTCTimeZone()),
                   "\",\"uptime\":\"", absl::FormatDuration(absl::Now() - *since), "\"}\n"));
}

}  // namespace weir::extensions::health_check
