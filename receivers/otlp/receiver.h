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
#include <thread>
#include <vector>

#include "pipeline/component.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/otlp/config.h"

namespace grpc {
class Server;
class ServerCompletionQueue;
}  // namespace grpc

namespace weir::receivers::otlp {

class GrpcService;

class Receiver final : public pipeline::Component {
 public:
  Receiver(const pipeline::Settings& settings, const Config& config,
           pipeline::TracesConsumer& next);
  ~Receiver() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;

  // Bound addresses ("127.0.0.1:43127"), valid after a successful Start; "" when disabled.
  std::string grpc_address() const { return grpc_address_; }
  std::string http_address() const;

  // Handles one HTTP request (public for tests).
  net::HttpResponse HandleHttp(net::HttpRequest& request);

 private:
  std::string id_;
  Config config_;
  pipeline::TracesConsumer& next_;
  telemetry::ReceiverMetrics grpc_metrics_;
  telemetry::ReceiverMetrics http_metrics_;
  log::RateLimited bad_request_log_;
  std::unique_ptr<GrpcService> grpc_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> grpc_queues_;
  std::vector<std::thread> grpc_threads_;  // one per queue
  std::unique_ptr<net::HttpServer> http_server_;
  boost::asio::io_context& io_;
  std::string grpc_address_;
  bool stopped_ = false;
};

}  // namespace weir::receivers::otlp
