// Server-side TLS for weir's HTTP listeners (Boost.Asio SSL over OpenSSL).
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

}  // namespace weir::net
