#include "extensions/health_check/health_check.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "pipeline/telemetry/logger.h"

namespace weir::extensions::health_check {

namespace http = boost::beast::http;

HealthCheck::HealthCheck(const pipeline::Settings& settings, const Config& config)
    : id_(settings.id.ToString()), config_(config), io_(*settings.io) {}

absl::Status HealthCheck::Start(pipeline::Host& host) {
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

void HealthCheck::Shutdown(absl::Time deadline) {
  ready_ = false;
  if (server_) server_->Shutdown(deadline);
}

void HealthCheck::OnPipelinesReady(bool ready) {
  if (ready) up_since_ = absl::Now();
  ready_ = ready;
}

net::HttpResponse HealthCheck::Handle(net::HttpRequest& request) {
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

}  // namespace weir::extensions::health_check
