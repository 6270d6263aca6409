// Turning "host:port" config values into socket endpoints and back.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/asio/ip/tcp.hpp"

namespace weir::net {

// Resolves a listen address: "" or "0.0.0.0" host means all IPv4 interfaces, "::" all IPv6,
// "localhost" the IPv4 loopback. Returns InvalidArgument or NotFound naming the address.
absl::StatusOr<boost::asio::ip::tcp::endpoint> ResolveListenAddress(absl::string_view host_port);

// "127.0.0.1:4317" or "[::1]:4317".
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace weir::net
