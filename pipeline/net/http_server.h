// HttpServer: a small HTTP/1.1 server on the shared I/O pool (Boost.Beast), used by the OTLP
// HTTP receiver, the health_check extension and the self-metrics endpoint.
//
// Each connection reads one request at a time (keep-alive supported), hands it to the handler
// on an I/O thread and writes the handler's response. A body over `max_body_bytes` is answered
// 413 without calling the handler; an unparsable request gets 400. Errors on one connection
// never affect another.
//
// Threading: Start and Shutdown on the control thread; the handler runs on I/O threads,
// concurrently for different connections, and must not block for long.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
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

namespace weir::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpHandler = std::function<HttpResponse(HttpRequest& request)>;
// A handler that also learns the client's address ("ip:port", "[ip6]:port"; empty if unknown).
using HttpPeerHandler =
    std::function<HttpResponse(HttpRequest& request, absl::string_view client_address)>;

struct HttpServerOptions {
  std::string endpoint;                             // host:port; port 0 picks a free port
  size_t max_body_bytes = 20 << 20;                 // larger bodies get 413
  absl::Duration idle_timeout = absl::Seconds(60);  // closes connections idle this long
  std::string name;                                 // for logs, e.g. "otlp/http"
  // When set, connections speak TLS with this context (see pipeline/net/tls.h); else
  // plaintext.
  std::shared_ptr<boost::asio::ssl::context> tls;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler);
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpPeerHandler handler);
  ~HttpServer();

  // Binds and starts accepting. Returns Unavailable naming the endpoint when it cannot bind.
  absl::Status Start();
  // Stops accepting, lets requests in progress finish until `deadline`, then closes every
  // connection. Idempotent; safe without Start.
  void Shutdown(absl::Time deadline);

  // The bound address ("127.0.0.1:43127"); valid after a successful Start.
  std::string bound_address() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// A response with `status`, content type and body, keeping the request's HTTP version and
// keep-alive choice.
HttpResponse MakeHttpResponse(const HttpRequest& request, boost::beast::http::status status,
                              std::string content_type, std::string body);

}  // namespace weir::net
