// TLS credentials for gRPC, server and client, built once from the config blocks in
// config/blocks.h. gRPC takes PEM bytes rather than an OpenSSL context, so these read the
// files themselves; the Beast/OpenSSL contexts are in tls.h.
//
// Threading: the functions are safe to call from any thread; the credentials they return are
// immutable and may be shared.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "config/blocks.h"

namespace grpc {
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace weir::net {

// Server credentials from a receiver's `tls` block; client certificates are required and
// verified when client_ca_file is set. Returns InvalidArgument "grpc: cannot read
// tls.cert_file or tls.key_file" / "grpc: cannot read tls.client_ca_file" when a file cannot
// be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeGrpcServerCredentials(
    const config::TlsServerConfig& tls);

// Channel credentials from an exporter's `tls` block: the server is verified against ca_file
// (gRPC's default roots when empty) unless insecure_skip_verify, which skips both the
// certificate and the host check; cert_file and key_file are presented when set.
// server_name_override is a channel argument and left to the caller. Returns
// FailedPrecondition "cannot read \"<path>\"" when a file cannot be read, or "cannot create
// TLS credentials" when gRPC refuses them.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeGrpcChannelCredentials(
    const config::TlsClientConfig& tls);

}  // namespace weir::net
