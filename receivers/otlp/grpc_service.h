// The OTLP/gRPC half of the `otlp` receiver: TraceService/Export on raw bytes (so the request is
// scanned once, by TraceBatch), served with the asynchronous completion-queue API. The server
// owns one completion queue per usable CPU (at most 8) and one thread per queue; each request
// is handled on the thread where it arrives, with no hand-off.
//
// Threading: Start and Shutdown are called from the control thread, not concurrently. Requests
// run on the server's own threads and call the next consumer concurrently.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pipeline/auth.h"
#include "pipeline/consumer.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/otlp/config.h"

namespace grpc {
class Server;
class ServerCompletionQueue;
}  // namespace grpc

namespace weir::receivers::otlp {

class GrpcService;

class GrpcServer {
 public:
  // `next`, `metrics`, `bad_request_log`, `auth` and `auth_log` are borrowed and must outlive
  // this object. With `auth` (nullable), a call whose metadata it refuses is answered
  // UNAUTHENTICATED before its message is decoded, counted and logged (rate-limited).
  GrpcServer(const GrpcConfig& config, pipeline::TracesConsumer& next,
             telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
             const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log);
  // Shuts down (with a short deadline) if still running.
  ~GrpcServer();

  // Listens on config.endpoint (TLS when config.tls is set) and starts the queue threads.
  // Returns InvalidArgument when the TLS files cannot be read, Unavailable when the endpoint
  // cannot be bound. REQUIRES: called at most once.
  absl::Status Start();

  // Stops accepting, waits (until `deadline`) for in-flight exports, so that every acknowledged
  // span is already downstream, then drains the queues and joins the threads. Idempotent.
  void Shutdown(absl::Time deadline);

  // The bound address ("127.0.0.1:43127"), valid after a successful Start.
  const std::string& address() const { return address_; }

 private:
  GrpcConfig config_;
  std::unique_ptr<GrpcService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;  // one per queue
  std::string address_;
};

}  // namespace weir::receivers::otlp
