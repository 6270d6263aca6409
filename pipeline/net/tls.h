// TLS set-up for weir's Beast/OpenSSL connections, server and client, built once from the
// config blocks in config/blocks.h: MakeServerTlsContext for HTTP listeners (a receiver's `tls`
// block), MakeClientTlsContext for HTTP clients (an exporter's `tls` block). gRPC credentials,
// which gRPC builds from PEM bytes rather than an OpenSSL context, are in grpc_tls.h.
//
// Threading: the functions are safe to call from any thread. A returned context is immutable
// from then on and may be shared by any number of streams on any threads.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "config/blocks.h"

namespace boost::asio::ssl {
class context;
}

namespace weir::net {

// Builds a TLS server context from the receiver's `tls` block: certificate chain and key,
// minimum protocol version, and client-certificate verification when client_ca_file is set.
// Returns InvalidArgument naming the file that could not be used.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const config::TlsServerConfig& tls);

// Builds a TLS client context from the exporter's `tls` block: TLS 1.2 or later; the server is
// verified against ca_file (or the system roots when empty) unless insecure_skip_verify; a
// client certificate and key are presented when cert_file is set. Host-name verification and
// SNI are per connection and left to the caller. Returns FailedPrecondition "cannot load
// tls.<key> \"<path>\": <reason>" naming the file that could not be used, or "cannot set up
// TLS: <reason>" when OpenSSL refuses the context itself.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const config::TlsClientConfig& tls);

}  // namespace weir::net
