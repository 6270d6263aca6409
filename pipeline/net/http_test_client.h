// A raw loopback TCP client for HttpServer's tests: it writes exactly the bytes a test gives
// it (malformed, pipelined, partial) and reads responses back with deadlines, so tests wait
// on what the server did rather than on sleeps.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pipeline/net/http_server.h"
#include "pipeline/net/io_pool.h"

namespace weir::net::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class RawClient {
 public:
  enum class End { kClosed, kReset, kOpen };

  // Connects to "127.0.0.1:port" at once, or later with Connect() when `connect` is false.
  explicit RawClient(const std::string& address, bool connect = true);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool Connect();
  bool connected() const { return connected_; }
  // Sends every byte; false when the connection refused them (closed or reset).
  bool Send(absl::string_view bytes);
  void ShutdownWrite();

  // Reads one response (a 100 Continue counts as one). nullopt when the connection ended or
  // `timeout` passed first.
  std::optional<RawResponse> ReadResponse(absl::Duration timeout = absl::Seconds(5));
  // Reads and discards until the server ends the connection or `timeout` passes.
  End ReadToEnd(absl::Duration timeout = absl::Seconds(5));

 private:
  // Reads more into pending_: > 0 bytes read, 0 EOF, -1 error (errno set), -2 timeout.
  long Fill(absl::Time deadline);

  std::string address_;
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

// An HttpServer on 127.0.0.1:0 and its own two I/O threads. The handler (by default an echo:
// "<method> <target> <body>") is counted: calls() and targets() say what reached it.
class TestServer {
 public:
  explicit TestServer(HttpServerOptions options = {}, HttpPeerHandler handler = nullptr);
  ~TestServer();

  HttpServer& server() { return *server_; }
  const std::string& address() const { return address_; }
  int calls() const { return calls_.load(); }
  std::vector<std::string> targets() const;

 private:
  IoPool io_{2};
  std::unique_ptr<HttpServer> server_;
  std::string address_;
  std::atomic<int> calls_{0};
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
};

// A request with Host and Content-Length (when `body` is not empty or `method` is POST).
std::string Post(absl::string_view target, absl::string_view body,
                 absl::string_view extra_headers = "");
std::string Get(absl::string_view target, absl::string_view extra_headers = "");

// True when a TCP connection to `address` is accepted by the kernel.
bool CanConnect(const std::string& address);

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(5));

}  // namespace weir::net::testing
