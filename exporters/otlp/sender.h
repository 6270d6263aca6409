// GrpcSender: delivers batches to an OTLP/gRPC endpoint (TraceService/Export) through a
// helper::GrpcClient (one channel, pre-compressed gzip, metadata, authenticator; see
// exporters/helper/grpc_client.h).
//
// Each batch goes as its protobuf bytes, encoded once and never copied into a generated
// message. A response with partial_success.rejected_spans > 0 is logged (rate-limited) and
// still counts as delivered, as in otelcol.
//
// Threading: Send may be called from many threads at once (the channel multiplexes calls);
// Start and Shutdown are called once each, Start before the first Send. A Send that races
// with Shutdown is safe: it either fails with FailedPrecondition or completes on the stub it
// took.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "exporters/helper/grpc_client.h"
#include "exporters/helper/sender.h"
#include "exporters/otlp/config.h"
#include "pipeline/auth.h"
#include "pipeline/telemetry/logger.h"

namespace weir::exporters::otlp {

class GrpcSender final : public helper::Sender {
 public:
  // `id` names the exporter in logs ("otlp/gateway"). Copies what it needs from `config`.
  GrpcSender(std::string id, const Config& config);
  ~GrpcSender() override;

  // Creates the channel; it connects lazily, so an unreachable endpoint is not an error here.
  // Returns FailedPrecondition when a TLS file can no longer be read.
  absl::Status Start() override;

  // Exports `batch` and waits for the answer until `deadline`. Returns OK when the server
  // accepted the request (even partially). Otherwise the gRPC status code as an absl code with
  // the message "<endpoint>: <grpc message>", as the OTLP specification says: Unavailable,
  // DeadlineExceeded, Aborted, Cancelled, OutOfRange and DataLoss may succeed later, and carry
  // the server's RetryInfo delay when it sent one (helper::RetryDelayOf); ResourceExhausted
  // comes back only with a RetryInfo, without one it is permanent and comes back as
  // InvalidArgument; InvalidArgument, Unimplemented, PermissionDenied, Unauthenticated,
  // Internal and the rest are permanent. DeadlineExceeded when the deadline passed without an
  // answer. FailedPrecondition when called before Start or after Shutdown.
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override;

  // Releases the channel.
  void Shutdown() override;

  // Sends `auth`'s header with every export from now on. `auth` is borrowed and must outlive
  // the last Send. REQUIRES: called before Start.
  void set_authenticator(const pipeline::ClientAuthenticator* auth) {
    client_.set_authenticator(auth);
  }

 private:
  const std::string id_;
  helper::GrpcClient client_;
  log::RateLimited partial_success_log_;
};

}  // namespace weir::exporters::otlp
