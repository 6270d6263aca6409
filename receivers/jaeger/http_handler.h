// protocols.thrift_http of the `jaeger` receiver: POST /api/traces with a binary-Thrift Batch
// (Content-Type application/x-thrift or application/vnd.apache.thrift.binary, optionally
// gzip), as a Jaeger collector serves it for clients' HTTP senders. Answers: 202 Accepted on
// success (Jaeger's answer); 400 for a body that is not a Batch or cannot be translated; 413
// for a body that inflates past max_request_body_size; 415, 404, 405 for the wrong content
// type, path or method; 429 / 503 with Retry-After when the memory budget or the pipeline
// refuses; 500 for a permanent pipeline failure; 401 without valid credentials.
//
// Threading: Handle is called concurrently from the I/O pool's threads; no per-request state.
#pragma once

#include <optional>

#include "pipeline/auth.h"
#include "pipeline/consumer.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/jaeger/config.h"

namespace weir::receivers::jaeger {

class HttpHandler {
 public:
  // Everything is borrowed and must outlive the handler; `auth` is nullable.
  HttpHandler(const HttpConfig& config, pipeline::TracesConsumer& next,
              telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
              const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log)
      : config_(config),
        next_(next),
        metrics_(metrics),
        bad_request_log_(bad_request_log),
        auth_(auth),
        auth_log_(auth_log) {}

  net::HttpResponse Handle(net::HttpRequest& request, absl::string_view client_address);

  // 401 (or 429) for a request whose header the authenticator refuses, else nullopt; asked by
  // the server before it reads the body.
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

}  // namespace weir::receivers::jaeger
