// protocols.grpc of the `jaeger` receiver: jaeger.api_v2.CollectorService/PostSpans, served by
// gRPC's callback API on its own threads. Credentials are checked on the metadata first; the
// request's batch is translated and delivered (delivery.h). Answers: OK with an empty
// PostSpansResponse; INVALID_ARGUMENT for a batch that cannot be translated; RESOURCE_EXHAUSTED
// / UNAVAILABLE with RetryInfo when the pipeline or the memory budget refuses; UNAUTHENTICATED.
//
// Threading: PostSpans runs concurrently on gRPC's threads. Start and Shutdown from the control
// thread; Shutdown waits for the calls in flight.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "pipeline/auth.h"
#include "pipeline/consumer.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/jaeger/config.h"

namespace weir::receivers::jaeger {

class GrpcServer {
 public:
  // Everything is borrowed and must outlive the server; `auth` is nullable.
  GrpcServer(const GrpcConfig& config, pipeline::TracesConsumer& next,
             telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
             const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log);
  ~GrpcServer();

  // Listens; Unavailable naming the endpoint when it cannot.
  absl::Status Start();
  // "host:port" actually bound (localhost as 127.0.0.1).
  const std::string& address() const { return address_; }
  void Shutdown(absl::Time deadline);

 private:
  class Service;
  GrpcConfig config_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace weir::receivers::jaeger
