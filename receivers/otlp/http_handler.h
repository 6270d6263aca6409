// The OTLP/HTTP half of the `otlp` receiver: POST <traces_url_path> with a protobuf or JSON
// body, optionally gzip or deflate. The answer is in the request's encoding: an
// ExportTraceServiceResponse on success, a google.rpc.Status on failure (400 for bad data, 413
// for a body that inflates past the limit, 503 / 429 with Retry-After when the pipeline
// refuses), plus 404 / 405 / 415 for the wrong path, method or content type.
//
// Threading: Handle is called concurrently from the I/O pool's threads; the handler keeps no
// per-request state.
#pragma once

#include <optional>

#include "pipeline/auth.h"
#include "pipeline/consumer.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/otlp/config.h"

namespace weir::receivers::otlp {

class HttpHandler {
 public:
  // `next`, `metrics`, `bad_request_log`, `auth` and `auth_log` are borrowed and must outlive
  // this object. `auth` is nullable (no authentication).
  HttpHandler(const HttpConfig& config, pipeline::TracesConsumer& next,
              telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
              const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log)
      : config_(config),
        next_(next),
        metrics_(metrics),
        bad_request_log_(bad_request_log),
        auth_(auth),
        auth_log_(auth_log) {}

  // Handles one HTTP request from `client_address`; its body may be moved from. Credentials
  // are not looked at here: the server asks CheckCredentials first (its header_check).
  net::HttpResponse Handle(net::HttpRequest& request, absl::string_view client_address);

  // The answer to a request whose header `auth` refuses (401 with WWW-Authenticate, counted
  // and logged), or nullopt when it may go on. Looks at the header only, so the server asks it
  // before it reads the body (HttpServerOptions::header_check), whatever the path or method.
  // Always nullopt without an authenticator.
  std::optional<net::HttpResponse> CheckCredentials(
      const boost::beast::http::request_header<>& header, absl::string_view client_address);

 private:
  HttpConfig config_;
  pipeline::TracesConsumer& next_;
  telemetry::ReceiverMetrics& metrics_;
  log::RateLimited& bad_request_log_;
  const pipeline::ServerAuthenticator* auth_;
  log::RateLimited& auth_log_;
};

}  // namespace weir::receivers::otlp
