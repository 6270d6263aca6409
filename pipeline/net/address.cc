#include "pipeline/net/address.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "config/blocks.h"

namespace weir::net {

using tcp = boost::asio::ip::tcp;

absl::StatusOr<tcp::endpoint> ResolveListenAddress(absl::string_view host_port) {
  config::HostPort hp;
  std::string error;
  if (!config::ParseHostPort(host_port, &hp, &error)) return absl::InvalidArgumentError(error);
  auto port = static_cast<unsigned short>(hp.port);
  if (hp.host.empty() || hp.host == "0.0.0.0") return tcp::endpoint(tcp::v4(), port);
  if (hp.host == "::") return tcp::endpoint(tcp::v6(), port);
  if (hp.host == "localhost") {
    return tcp::endpoint(boost::asio::ip::address_v4::loopback(), port);
  }
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(hp.host, ec);
  if (!ec) return tcp::endpoint(address, port);
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) {
    return absl::NotFoundError(absl::StrCat("cannot resolve host \"", hp.host, "\""));
  }
  return results.begin()->endpoint();
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_v6()) return absl::StrCat("[", address.to_string(), "]:", endpoint.port());
  return absl::StrCat(address.to_string(), ":", endpoint.port());
}

}  // namespace weir::net
