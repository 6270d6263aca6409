#include "cmd/weir-loadgen/udp_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "pipeline/net/address.h"

namespace weir::loadgen {

UdpTransport::UdpTransport(boost::asio::io_context& io, std::string endpoint, int lanes)
    : io_(io), endpoint_(std::move(endpoint)), lanes_(static_cast<size_t>(lanes)) {}

UdpTransport::~UdpTransport() { Close(); }

absl::Status UdpTransport::Connect(absl::Duration /*timeout*/) {
  auto address = net::ResolveListenAddress(endpoint_);
  if (!address.ok()) return address.status();
  for (size_t i = 0; i < lanes_; ++i) {
    int fd = ::socket(address->protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, address->data(), static_cast<socklen_t>(address->size())) != 0) {
      const int err = errno;
      if (fd >= 0) ::close(fd);
      return absl::UnavailableError(absl::StrCat(endpoint_, ": ", strerror(err)));
    }
    int size = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    fds_.push_back(fd);
  }
  return absl::OkStatus();
}

void UdpTransport::Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) {
  SendResult result;
  result.outcome = Outcome::kAcked;
  for (const std::string& datagram : payload->datagrams) {
    if (::send(fds_[static_cast<size_t>(lane)], datagram.data(), datagram.size(), 0) < 0) {
      result.outcome = Outcome::kFailed;
      result.connection_error = true;
      result.error = absl::StrCat("send: ", strerror(errno));
      break;
    }
  }
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void UdpTransport::Close() {
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

}  // namespace weir::loadgen
