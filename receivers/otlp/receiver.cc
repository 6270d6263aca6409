#include "receivers/otlp/receiver.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pipeline/auth.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/tls.h"
#include "receivers/helper/http_auth.h"
#include "receivers/otlp/grpc_service.h"
#include "receivers/otlp/http_handler.h"

namespace weir::receivers::otlp {

Receiver::Receiver(const pipeline::Settings& settings, const Config& config,
                   pipeline::TracesConsumer& next)
    : id_(settings.id.ToString()),
      config_(config),
      next_(next),
      grpc_metrics_(*settings.telemetry, id_, "grpc"),
      http_metrics_(*settings.telemetry, id_, "http"),
      io_(*settings.io) {}

Receiver::~Receiver() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status Receiver::Start(pipeline::Host& host) {
  const pipeline::ServerAuthenticator* grpc_auth = nullptr;
  const pipeline::ServerAuthenticator* http_auth = nullptr;
  if (config_.grpc) {
    auto found =
        helper::FindAuthenticator(host, config_.grpc->auth, "protocols.grpc.auth.authenticator");
    if (!found.ok()) return found.status();
    grpc_auth = *found;
  }
  if (config_.http) {
    auto found =
        helper::FindAuthenticator(host, config_.http->auth, "protocols.http.auth.authenticator");
    if (!found.ok()) return found.status();
    http_auth = *found;
  }
  if (config_.grpc) {
    auto server = std::make_unique<GrpcServer>(*config_.grpc, next_, grpc_metrics_,
                                               bad_request_log_, grpc_auth, auth_log_);
    if (absl::Status s = server->Start(); !s.ok()) return s;
    grpc_server_ = std::move(server);
    log::Info(kComponent, "%s: OTLP/gRPC listening on %s%s%s", id_, grpc_server_->address(),
              config_.grpc->tls ? " (TLS)" : "",
              grpc_auth ? absl::StrCat(" (auth: ", config_.grpc->auth->authenticator, ")") : "");
  }
  if (config_.http) {
    net::HttpServerOptions options;
    options.endpoint = config_.http->endpoint;
    options.max_body_bytes = static_cast<size_t>(config_.http->max_request_body_size);
    options.budget = &pipeline::MemoryBudget::Process();
    options.read_header_timeout = config_.http->read_header_timeout;
    options.read_timeout = config_.http->read_timeout;
    options.write_timeout = config_.http->write_timeout;
    options.idle_timeout = config_.http->idle_timeout;
    if (!config_.http->keep_alives_enabled) options.max_requests_per_connection = 1;
    options.name = id_ + " http";
    if (config_.http->tls) {
      absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> tls =
          net::MakeServerTlsContext(*config_.http->tls);
      if (!tls.ok()) {
        Shutdown(absl::Now());
        return tls.status();
      }
      options.tls = *tls;
    }
    http_handler_ = std::make_unique<HttpHandler>(*config_.http, next_, http_metrics_,
                                                  bad_request_log_, http_auth, auth_log_);
    if (http_auth != nullptr) {
      // Credentials are checked on the header alone, so a refused request is never read.
      options.header_check = [handler = http_handler_.get()](
                                 const boost::beast::http::request_header<>& header,
                                 absl::string_view client_address) {
        return handler->CheckCredentials(header, client_address);
      };
    }
    http_server_ = std::make_unique<net::HttpServer>(
        io_, options,
        [handler = http_handler_.get()](net::HttpRequest& request,
                                        absl::string_view client_address) {
          return handler->Handle(request, client_address);
        });
    if (absl::Status s = http_server_->Start(); !s.ok()) {
      Shutdown(absl::Now());
      return s;
    }
    log::Info(kComponent, "%s: OTLP/HTTP listening on %s (path %s%s%s)", id_,
              http_server_->bound_address(), config_.http->traces_url_path,
              config_.http->tls ? ", TLS" : "",
              http_auth ? absl::StrCat(", auth: ", config_.http->auth->authenticator) : "");
  }
  return absl::OkStatus();
}

std::string Receiver::grpc_address() const { return grpc_server_ ? grpc_server_->address() : ""; }

std::string Receiver::http_address() const {
  return http_server_ ? http_server_->bound_address() : "";
}

void Receiver::Shutdown(absl::Time deadline) {
  if (stopped_) return;
  stopped_ = true;
  if (http_server_) http_server_->Shutdown(deadline);
  if (grpc_server_) grpc_server_->Shutdown(deadline);
}

}  // namespace weir::receivers::otlp
