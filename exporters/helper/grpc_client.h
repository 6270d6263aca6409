// GrpcClient: the gRPC client of the exporters that speak gRPC (otlp, and the Jaeger exporter),
// with the client keys of otelcol's configgrpc (GrpcClientConfig).
//
// It keeps one gRPC channel (plaintext or TLS, created in Start) and makes unary calls through
// a generic stub with request bytes the caller already encoded, so a batch is encoded once and
// never copied into a generated message. gzip compression (at the configured level, done here
// rather than by gRPC), the configured metadata, the authenticator's header and the per-call
// deadline apply to every call. Failed calls map to a Sender's errors as the OTLP specification
// says, which the Jaeger exporter follows too (see Call).
//
// Threading: Call may be called from many threads at once (the channel multiplexes calls);
// Start and Shutdown are called once each, Start before the first Call. A Call that races with
// Shutdown is safe: it either fails with FailedPrecondition or completes on the stub it took.
// DecodeGrpcClientConfig runs on the control thread; a decoded GrpcClientConfig is immutable.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "config/blocks.h"
#include "config/node.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "pipeline/auth.h"

namespace weir::exporters::helper {

// The gRPC client keys of otelcol's configgrpc: endpoint, tls, headers, compression (and
// compression_params), auth; balancer_name, keepalive, write_buffer_size and read_buffer_size
// are accepted and left to gRPC's defaults.
struct GrpcClientConfig {
  // endpoint: required. "host:port"; "http://host:port" forces plaintext, "https://host:port"
  // forces TLS; "dns:///host:port" (or "dns://resolver/host:port") is handed to gRPC as is.
  std::string endpoint;
  // tls: client TLS settings. TLS is on unless tls.insecure is true or the endpoint starts
  // with http://.
  config::TlsClientConfig tls;
  // headers: extra gRPC metadata sent with every call. Keys are lowercased at decode time.
  // Default none.
  config::HeadersConfig headers;
  // auth.authenticator: a client authenticator extension whose header goes with every call
  // (after `headers`, so it wins on the same key). Default none.
  std::optional<config::AuthConfig> auth;
  // compression (default "gzip") and compression_params.level (default -1, zlib's default).
  config::CompressionConfig compression;

  // Derived from endpoint and tls at decode time:
  std::string target;   // what the gRPC channel dials: "host:port" or the dns: URI
  bool use_tls = true;  // whether the channel uses TLS
};

// Reads the keys above from `node` (an exporter's section), validates them and derives target
// and use_tls. Every problem goes to node.diagnostics() at its key; *out is only meaningful when
// there is none. Leaves the exporter's other keys (timeout, sending_queue, ...) to the caller
// and does not reject unknown keys: the caller calls node.RejectUnknownKeys() once it has read
// its own.
void DecodeGrpcClientConfig(config::Node& node, GrpcClientConfig* out);

class GrpcClient {
 public:
  // `id` names the exporter in logs and messages ("otlp/gateway"); `component` is the logger
  // component ("exporter/otlp"). Keeps `config`.
  GrpcClient(std::string id, std::string component, GrpcClientConfig config);
  ~GrpcClient();

  GrpcClient(const GrpcClient&) = delete;
  GrpcClient& operator=(const GrpcClient&) = delete;

  // Creates the channel (user agent "weir", a reconnect backoff of at most 10s, the TLS target
  // name override) and logs where it exports to; it connects lazily, so an unreachable endpoint
  // is not an error here. Returns FailedPrecondition when a TLS file can no longer be read or
  // the channel cannot be made.
  absl::Status Start();

  // Makes one unary call of `method` (e.g. "/jaeger.api_v2.CollectorService/PostSpans") with
  // `request`, the uncompressed protobuf bytes of the request message, and waits for the answer
  // until `deadline`. On OK, *response (when not null) gets the answer's bytes. Otherwise the
  // gRPC status code as an absl code with the message "<endpoint>: <grpc message>", as the
  // OTLP specification says: Unavailable, DeadlineExceeded, Aborted, Cancelled, OutOfRange and
  // DataLoss may succeed later, and carry the server's RetryInfo delay when it sent one
  // (RetryDelayOf); ResourceExhausted comes back only with a RetryInfo, without one it is
  // permanent and comes back as InvalidArgument; InvalidArgument, Unimplemented,
  // PermissionDenied, Unauthenticated, Internal and the rest are permanent. DeadlineExceeded
  // when the deadline passed without an answer. FailedPrecondition when called before Start or
  // after Shutdown.
  absl::Status Call(const char* method, std::string request, absl::Time deadline,
                    std::string* response);

  // Releases the channel; calls in flight complete on it.
  void Shutdown();

  // Sends `auth`'s header with every call from now on. `auth` is borrowed and must outlive the
  // last Call. REQUIRES: called before Start.
  void set_authenticator(const pipeline::ClientAuthenticator* auth) { auth_ = auth; }

  const GrpcClientConfig& config() const { return config_; }

 private:
  const std::string id_;
  const std::string component_;
  const GrpcClientConfig config_;
  std::shared_ptr<grpc::Channel> channel_;  // set in Start, reset in Shutdown
  std::mutex mu_;
  std::shared_ptr<grpc::GenericStub> stub_;  // guarded by mu_; set in Start, reset in Shutdown
  const pipeline::ClientAuthenticator* auth_ = nullptr;  // nullable
};

}  // namespace weir::exporters::helper
