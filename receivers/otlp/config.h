// Config of the `otlp` receiver, as otelcol's otlpreceiver defines it (the supported subset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/blocks.h"
#include "config/node.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::receivers::otlp {

// Logger component name of this receiver.
inline constexpr char kComponent[] = "receiver/otlp";

struct GrpcConfig {
  std::string endpoint = "localhost:4317";  // protocols.grpc.endpoint
  int max_recv_msg_size_mib = 4;            // protocols.grpc.max_recv_msg_size_mib
  int max_concurrent_streams = 0;  // protocols.grpc.max_concurrent_streams; 0 = gRPC default
  std::optional<config::TlsServerConfig> tls;  // protocols.grpc.tls: TLS when present
  // protocols.grpc.include_metadata: hand the request's gRPC metadata down the pipeline (in
  // the RequestContext, bounded), e.g. for batch metadata_keys. Default false.
  bool include_metadata = false;
  // protocols.grpc.auth.authenticator: the extension that checks every call's metadata.
  // Default none (no authentication).
  std::optional<config::AuthConfig> auth;
};

struct HttpConfig {
  std::string endpoint = "localhost:4318";     // protocols.http.endpoint
  std::string traces_url_path = "/v1/traces";  // protocols.http.traces_url_path
  int64_t max_request_body_size = 20 << 20;    // protocols.http.max_request_body_size (bytes)
  std::optional<config::TlsServerConfig> tls;  // protocols.http.tls: TLS when present
  // protocols.http.include_metadata: hand the request's HTTP headers down the pipeline (in the
  // RequestContext, bounded). Default false.
  bool include_metadata = false;
  // otelcol's confighttp server timeouts, with its meaning of zero (read_header_timeout and
  // idle_timeout fall back to read_timeout; read_timeout and write_timeout 0 = none). The
  // defaults are weir's (net::HttpServerOptions): otelcol's are 1m, 0 (none), 30s and 1m.
  absl::Duration read_header_timeout = absl::Seconds(10);  // protocols.http.read_header_timeout
  absl::Duration read_timeout = absl::Seconds(60);         // protocols.http.read_timeout
  absl::Duration write_timeout = absl::Seconds(30);        // protocols.http.write_timeout
  absl::Duration idle_timeout = absl::Seconds(60);         // protocols.http.idle_timeout
  bool keep_alives_enabled = true;  // protocols.http.keep_alives_enabled: false = one request
                                    // per connection
  // protocols.http.auth.authenticator: the extension that checks every request's headers.
  // Default none (no authentication).
  std::optional<config::AuthConfig> auth;
};

struct Config : pipeline::ComponentConfig {
  // A protocol is enabled when its key is present under `protocols` (or, with no config at all,
  // both are, on their defaults).
  std::optional<GrpcConfig> grpc;
  std::optional<HttpConfig> http;

  // The endpoints of the enabled protocols, gRPC first.
  std::vector<std::string> ListenEndpoints() const;
  // The protocols' auth blocks, gRPC first (server side).
  std::vector<pipeline::AuthReference> AuthReferences() const;
};

// Decodes and validates; problems go to node.diagnostics().
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::receivers::otlp
