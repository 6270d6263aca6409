// HttpServer: a small HTTP/1.1 server on the shared I/O pool (Boost.Beast), used by the OTLP
// HTTP receiver, the health_check extension and the self-metrics endpoint. It is meant to face
// hostile traffic: every resource a client can make it hold is bounded.
//
// Each connection reads one request at a time (keep-alive and pipelining supported), hands it
// to the handler on an I/O thread and writes the handler's response. Before the handler runs:
//
//   - the header must arrive within `read_header_timeout` and fit `max_header_bytes` (else
//     431); the whole request within `read_timeout`; a response must be written within
//     `write_timeout`; a keep-alive connection may wait `idle_timeout` for its next request.
//     A connection that times out is closed without an answer.
//   - framing is strict (RFC 9112): Transfer-Encoding other than exactly `chunked` gets 501;
//     Content-Length with Transfer-Encoding, or Transfer-Encoding in HTTP/1.0, gets 400; a
//     malformed request 400; a version other than 1.0/1.1 505.
//   - a body over `max_body_bytes` gets 413. The body buffer grows as bytes arrive and is
//     charged to `budget` while it is read; when the declared Content-Length (or the next
//     chunk of a chunked body) does not fit, the answer is 429 with `Retry-After: 1`, before
//     any of those bytes are read. The charge is released once the handler returned.
//   - after Shutdown began, requests get 503 with `Retry-After: 1` and the handler is not
//     called.
//   - a handler (or the parsing) that throws gets 500 for that connection; the server keeps
//     serving the others.
// Every error answer closes the connection; before closing, the server stops sending and
// reads (and discards) at most 1 MiB for at most `linger_timeout`, so the client receives the
// answer instead of a reset. A connection closes after `max_requests_per_connection`
// requests or once it is `max_connection_age` old (after the response in progress).
//
// Over `max_connections` open connections, a new connection is accepted, answered 503 with
// `Retry-After: 1` and closed (on a TLS port it is closed without an answer: the answer
// would cost a handshake). When the process is out of file descriptors the accept loop waits
// 100 ms before trying again instead of spinning; connections already open keep working.
// A TLS port answers a plaintext HTTP request with a plaintext 400.
//
// Threading: Start and Shutdown on the control thread, not on an I/O thread of the server's
// io_context and never from within a handler. The handler runs on I/O threads, concurrently
// for different connections, and must not block for long.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"

namespace boost::asio::ssl {
class context;
}

namespace weir::pipeline {
class MemoryBudget;
}

namespace weir::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpHandler = std::function<HttpResponse(HttpRequest& request)>;
// A handler that also learns the client's address ("ip:port", "[ip6]:port"; empty if unknown).
using HttpPeerHandler =
    std::function<HttpResponse(HttpRequest& request, absl::string_view client_address)>;
// Looks at a request's header before its body is read (see HttpServerOptions::header_check).
using HttpHeaderCheck = std::function<std::optional<HttpResponse>(
    const boost::beast::http::request_header<>& header, absl::string_view client_address)>;

// For the timeouts, zero (or negative) follows Go's net/http, as otelcol's confighttp does:
// read_header_timeout and idle_timeout fall back to read_timeout; read_timeout and
// write_timeout zero mean no limit.
struct HttpServerOptions {
  std::string endpoint;  // host:port; port 0 picks a free port
  std::string name;      // for logs, e.g. "otlp/http"
  // When set, connections speak TLS with this context (see pipeline/net/tls.h); else
  // plaintext.
  std::shared_ptr<boost::asio::ssl::context> tls;

  size_t max_body_bytes = 20 << 20;    // larger bodies get 413
  size_t max_header_bytes = 32 << 10;  // request line + fields; larger get 431
  // Request bodies are charged here while they are read; nullptr: no accounting. Not owned;
  // must outlive the server.
  pipeline::MemoryBudget* budget = nullptr;

  size_t max_connections = 4096;  // open connections; more are answered 503 and closed
  // From a request's first byte (a connection's start, for its first request, TLS handshake
  // included) to the end of its header.
  absl::Duration read_header_timeout = absl::Seconds(10);
  // From a request's first byte to the end of its body.
  absl::Duration read_timeout = absl::Seconds(60);
  absl::Duration write_timeout = absl::Seconds(30);          // to write one response
  absl::Duration idle_timeout = absl::Seconds(60);           // between requests on a connection
  size_t max_requests_per_connection = 1000;                 // 0: no limit
  absl::Duration max_connection_age = absl::ZeroDuration();  // 0: no limit
  // How long an error answer's connection is drained before it closes (see above).
  absl::Duration linger_timeout = absl::Seconds(1);
  // When set, called on an I/O thread once a request's header is complete, before any of its
  // body is read (and before a 100 Continue), behind the same gate as the handler. A response
  // it returns is sent instead of calling the handler, and the connection closes after it
  // (lingering as for an error), so a refused request never costs its body. nullopt lets the
  // request go on. Used for authentication.
  HttpHeaderCheck header_check;
};

// Counters of the listener, for tests and self-monitoring. All monotonic but `connections`.
struct HttpServerStats {
  uint64_t accepted = 0;       // connections accepted and served
  uint64_t rejected = 0;       // connections refused for being over max_connections
  uint64_t accept_errors = 0;  // accept failures (e.g. out of file descriptors)
  uint64_t connections = 0;    // connections open now
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler);
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpPeerHandler handler);
  // Shuts down with a one-second deadline.
  ~HttpServer();

  // Binds and starts accepting. Returns Unavailable naming the endpoint when it cannot bind.
  absl::Status Start();
  // Stops accepting (the port is closed when it returns), answers new requests 503, lets
  // requests in progress finish until `deadline`, then closes every connection. Returns when
  // no handler runs any more: a handler already running is waited for even past the deadline.
  // Idempotent; safe without Start.
  void Shutdown(absl::Time deadline);

  // The bound address ("127.0.0.1:43127"); valid after a successful Start.
  std::string bound_address() const;
  HttpServerStats stats() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// A response with `status`, content type and body, keeping the request's HTTP version and
// keep-alive choice.
HttpResponse MakeHttpResponse(const HttpRequest& request, boost::beast::http::status status,
                              std::string content_type, std::string body);

}  // namespace weir::net
