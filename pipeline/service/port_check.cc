#include "pipeline/service/port_check.h"

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "config/blocks.h"
#include "pipeline/net/address.h"

namespace weir::service {

namespace {

using tcp = boost::asio::ip::tcp;

constexpr absl::Duration kRecheckInterval = absl::Milliseconds(5);

int PortOf(const std::string& endpoint) {
  config::HostPort address;
  std::string error;
  return config::ParseHostPort(endpoint, &address, &error) ? address.port : -1;
}

}  // namespace

absl::Status CheckPortFree(const Listener& listener) {
  absl::StatusOr<tcp::endpoint> endpoint = net::ResolveListenAddress(listener.endpoint);
  if (!endpoint.ok()) {
    return absl::Status(endpoint.status().code(),
                        absl::StrCat(listener.owner, ": ", endpoint.status().message()));
  }
  if (endpoint->port() == 0) return absl::OkStatus();
  // A socket bound (not listening) and closed at once: the same test the kernel makes when a
  // server binds, without holding the port.
  boost::asio::io_context io;
  tcp::acceptor probe(io);
  boost::system::error_code ec;
  probe.open(endpoint->protocol(), ec);
  if (!ec) probe.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(*endpoint, ec);
  boost::system::error_code ignored;
  probe.close(ignored);
  if (!ec) return absl::OkStatus();
  std::string reason =
      ec == boost::asio::error::address_in_use
          ? absl::StrCat("port ", endpoint->port(), " is in use (", ec.message(), ")")
          : ec.message();
  return absl::UnavailableError(
      absl::StrCat(listener.owner, ": cannot listen on ", listener.endpoint, ": ", reason));
}

absl::Status WaitForPortsFree(const std::vector<Listener>& listeners, absl::Time until) {
  for (const Listener& listener : listeners) {
    while (true) {
      absl::Status s = CheckPortFree(listener);
      if (s.ok() || absl::IsInvalidArgument(s) || absl::IsNotFound(s)) break;
      if (absl::Now() >= until) return s;
      std::this_thread::sleep_for(absl::ToChronoNanoseconds(kRecheckInterval));
    }
  }
  return absl::OkStatus();
}

void SplitByHeldPorts(const std::vector<Listener>& wanted, const std::vector<Listener>& held,
                      std::vector<Listener>* shared, std::vector<Listener>* fresh) {
  std::set<int> held_ports;
  for (const Listener& l : held) {
    if (int port = PortOf(l.endpoint); port > 0) held_ports.insert(port);
  }
  for (const Listener& l : wanted) {
    (held_ports.count(PortOf(l.endpoint)) > 0 ? shared : fresh)->push_back(l);
  }
}

}  // namespace weir::service
