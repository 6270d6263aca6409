#include "receivers/jaeger/udp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/net/address.h"
#include "pipeline/telemetry/logger.h"
#include "receivers/jaeger/delivery.h"

namespace weir::receivers::jaeger {

namespace {

std::string PeerText(const sockaddr_storage& peer) {
  char host[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (peer.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&peer);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
    return absl::StrCat(host, ":", port);
  }
  if (peer.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&peer);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
    return absl::StrCat("[", host, "]:", port);
  }
  return "";
}

}  // namespace

UdpServer::UdpServer(std::string name, const UdpConfig& config, Handler handler,
                     prometheus::Counter* queue_full, prometheus::Counter* too_large)
    : name_(std::move(name)),
      config_(config),
      handler_(std::move(handler)),
      queue_full_(queue_full),
      too_large_(too_large) {}

UdpServer::~UdpServer() { Shutdown(); }

absl::Status UdpServer::Start() {
  auto endpoint = net::ResolveListenAddress(config_.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  fd_ = ::socket(endpoint->protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return absl::UnavailableError(
        absl::StrCat("udp: cannot open a socket for ", config_.endpoint, ": ", strerror(errno)));
  }
  if (config_.socket_buffer_size > 0) {
    int size = config_.socket_buffer_size;
    if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) != 0) {
      log::Warn(kComponent, "%s: cannot set socket_buffer_size %d: %s", name_, size,
                strerror(errno));
    }
  }
  if (::bind(fd_, endpoint->data(), static_cast<socklen_t>(endpoint->size())) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    return absl::UnavailableError(
        absl::StrCat("udp: cannot listen on ", config_.endpoint, ": ", strerror(err)));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  address_ = PeerText(bound);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) {
    ::close(fd_);
    fd_ = -1;
    return absl::UnavailableError(absl::StrCat("udp: eventfd: ", strerror(errno)));
  }
  for (int i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { WorkLoop(); });
  reader_ = std::thread([this] { ReadLoop(); });
  return absl::OkStatus();
}

void UdpServer::ReadLoop() {
  // One byte more than the largest datagram taken, so a longer one is seen as such even
  // where MSG_TRUNC's full length is not reported.
  std::string buffer(static_cast<size_t>(config_.max_packet_size) + 1, '\0');
  pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log::Error(kComponent, "%s: poll failed: %s; no longer receiving", name_, strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    // Take what is ready before polling again, a bounded number at a time so that a stop
    // request is seen under a flood too.
    for (int taken = 0; taken < 256 && !stop_reading_.load(std::memory_order_relaxed); ++taken) {
      sockaddr_storage peer{};
      socklen_t peer_len = sizeof(peer);
      const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_TRUNC,
                                   reinterpret_cast<sockaddr*>(&peer), &peer_len);
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          log::Warn(kComponent, "%s: recvfrom: %s", name_, strerror(errno));
        }
        break;
      }
      if (static_cast<size_t>(n) > static_cast<size_t>(config_.max_packet_size)) {
        too_large_->Increment();
        continue;
      }
      std::unique_lock<std::mutex> lock(mu_);
      if (queue_.size() >= static_cast<size_t>(config_.queue_size)) {
        lock.unlock();
        queue_full_->Increment();
        continue;
      }
      Datagram d;
      if (!spare_.empty()) {
        d.bytes = std::move(spare_.back());
        spare_.pop_back();
      }
      d.bytes.assign(buffer.data(), static_cast<size_t>(n));
      d.client = PeerText(peer);
      queue_.push_back(std::move(d));
      lock.unlock();
      ready_.notify_one();
    }
  }
}

void UdpServer::WorkLoop() {
  while (true) {
    Datagram d;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything received was handled
      if (stopping_ && absl::Now() >= drain_until_) {
        // The shutdown deadline passed: what is still queued is dropped, and counted.
        queue_full_->Increment(static_cast<double>(queue_.size()));
        queue_.clear();
        return;
      }
      d = std::move(queue_.front());
      queue_.pop_front();
    }
    handler_(d.bytes, d.client);
    std::lock_guard<std::mutex> lock(mu_);
    spare_.push_back(std::move(d.bytes));
  }
}

void UdpServer::Shutdown(absl::Time deadline) {
  if (fd_ < 0) return;
  stop_reading_.store(true, std::memory_order_relaxed);
  const uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof(one)) < 0) {
    log::Warn(kComponent, "%s: cannot wake the reader: %s", name_, strerror(errno));
  }
  if (reader_.joinable()) reader_.join();
  ::close(fd_);  // the port is free once Shutdown returns
  fd_ = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    drain_until_ = deadline;
  }
  ready_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  ::close(stop_fd_);
  stop_fd_ = -1;
}

}  // namespace weir::receivers::jaeger
