#include "pipeline/net/http_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "boost/beast/http/status.hpp"

namespace weir::net::testing {

namespace {

sockaddr_in LoopbackAddress(const std::string& address) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int port = 0;
  size_t colon = address.rfind(':');
  if (colon != std::string::npos) (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

}  // namespace

RawClient::RawClient(const std::string& address, bool connect) : address_(address) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect) Connect();
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::Connect() {
  sockaddr_in addr = LoopbackAddress(address_);
  connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  return connected_;
}

bool RawClient::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawClient::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

long RawClient::Fill(absl::Time deadline) {
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return -2;
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    int ready = ::poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) pending_.append(chunk, static_cast<size_t>(n));
    return static_cast<long>(n);
  }
}

std::optional<RawResponse> RawClient::ReadResponse(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (Fill(deadline) <= 0) return std::nullopt;
  }
  RawResponse response;
  std::vector<std::string> lines = absl::StrSplit(pending_.substr(0, end), "\r\n");
  pending_.erase(0, end + 4);
  std::vector<std::string> status = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status.size() < 2 || !absl::SimpleAtoi(status[1], &response.status)) return std::nullopt;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  size_t length = 0;
  if (!absl::SimpleAtoi(response.header("content-length"), &length)) length = 0;
  while (pending_.size() < length) {
    if (Fill(deadline) <= 0) return std::nullopt;
  }
  response.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return response;
}

RawClient::End RawClient::ReadToEnd(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    long n = Fill(deadline);
    pending_.clear();
    if (n == 0) return End::kClosed;
    if (n == -2) return End::kOpen;
    if (n < 0) return errno == ECONNRESET ? End::kReset : End::kClosed;
  }
}

std::string Post(absl::string_view target, absl::string_view body,
                 absl::string_view extra_headers) {
  return absl::StrCat("POST ", target, " HTTP/1.1\r\nHost: test\r\nContent-Length: ", body.size(),
                      "\r\n", extra_headers, "\r\n", body);
}

std::string Get(absl::string_view target, absl::string_view extra_headers) {
  return absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: test\r\n", extra_headers, "\r\n");
}

TestServer::TestServer(HttpServerOptions options, HttpPeerHandler handler) {
  io_.Start();
  options.endpoint = "127.0.0.1:0";
  options.name = "test";
  if (!handler) {
    handler = [](HttpRequest& request, absl::string_view) {
      return MakeHttpResponse(request, boost::beast::http::status::ok, "text/plain",
                              absl::StrCat(std::string(request.method_string()), " ",
                                           std::string(request.target()), " ", request.body()));
    };
  }
  server_ = std::make_unique<HttpServer>(
      io_.context(), std::move(options),
      [this, handler = std::move(handler)](HttpRequest& request, absl::string_view peer) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          targets_.emplace_back(request.target());
        }
        calls_.fetch_add(1);
        return handler(request, peer);
      });
  absl::Status started = server_->Start();
  if (started.ok()) address_ = server_->bound_address();
}

TestServer::~TestServer() {
  server_->Shutdown(absl::Now() + absl::Seconds(2));
  server_.reset();
  io_.Stop();
}

std::vector<std::string> TestServer::targets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return targets_;
}

bool CanConnect(const std::string& address) {
  RawClient client(address);
  return client.connected();
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace weir::net::testing
