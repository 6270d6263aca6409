// The `otlp` receiver: OTLP over gRPC (TraceService/Export on raw bytes, served with the
// completion-queue API on the receiver's own threads) and over HTTP (POST /v1/traces, protobuf
// or JSON, optionally gzip), on one config; TLS on either when configured.
//
// Each request is validated and indexed (protobuf: a wire scan; JSON: decoded), spans with
// invalid ids are dropped and reported through
// partial_success, and the rest goes to the next consumer. A refusal from the pipeline turns into
// a retryable answer (gRPC UNAVAILABLE / RESOURCE_EXHAUSTED, HTTP 503 / 429 with Retry-After);
// malformed data into INVALID_ARGUMENT / 400. One bad request never affects another.
//
// Threading: gRPC requests are handled on the receiver's threads (one per completion queue,
// one queue per usable CPU), HTTP requests on the I/O pool's; both concurrently.
#pragma once

#include <memory>
#include <string>

#include "pipeline/component.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/otlp/config.h"

namespace weir::receivers::otlp {

class GrpcServer;
class HttpHandler;

// The component: owns the gRPC server (grpc_service.h) and the HTTP server with its handler
// (http_handler.h), starts them in that order and shuts them down in reverse.
class Receiver final : public pipeline::Component {
 public:
  Receiver(const pipeline::Settings& settings, const Config& config,
           pipeline::TracesConsumer& next);
  ~Receiver() override;

  // Resolves the protocols' authenticators through `host` (the error names the key when one
  // is not an enabled server authenticator), then listens.
  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;

  // Bound addresses ("127.0.0.1:43127"), valid after a successful Start; "" when disabled.
  std::string grpc_address() const;
  std::string http_address() const;

 private:
  std::string id_;
  Config config_;
  pipeline::TracesConsumer& next_;
  telemetry::ReceiverMetrics grpc_metrics_;
  telemetry::ReceiverMetrics http_metrics_;
  log::RateLimited bad_request_log_;
  log::RateLimited auth_log_;  // unauthenticated requests, both protocols
  std::unique_ptr<GrpcServer> grpc_server_;
  std::unique_ptr<HttpHandler> http_handler_;
  std::unique_ptr<net::HttpServer> http_server_;
  boost::asio::io_context& io_;
  bool stopped_ = false;
};

}  // namespace weir::receivers::otlp
