// HttpClient: the HTTP/1.1 POST client of the exporters that speak HTTP (otlphttp, and the
// Jaeger and Zipkin exporters), with Boost.Beast, and OpenSSL through Boost.Asio for https.
//
// A client talks to the one URL it was made with. Each Post takes a keep-alive connection from
// a small pool (or opens one), writes the request, reads the answer and returns the connection
// to the pool when the server keeps it open. Every network step (name resolution, connect, TLS
// handshake, write, read) is bounded by the post's deadline: a connection runs its own
// io_context only while its thread waits for one operation, and the stream's timer closes the
// socket at the deadline. Name resolution runs on the Resolver's one thread (resolver.h), which
// a post stops waiting for at its deadline, because getaddrinfo cannot be interrupted. A pooled
// connection the server closed while it sat idle is noticed when the request fails before any
// answer, and the request goes out again on a new connection.
//
// The client does not judge answers: Post returns whatever status the server sent, and
// HttpErrorStatus maps an answer that is not 2xx to a Sender's error as the OTLP/HTTP
// specification says (429, 502, 503, 504 retryable with their Retry-After delay; the rest
// permanent), which the Jaeger and Zipkin HTTP exporters follow too.
//
// Threading: Post may be called from many threads at once; each uses its own connection (the
// pool is guarded by a mutex). Start and Shutdown are called once each, before the first and
// after the last Post. ParseUrl and HttpErrorStatus are pure.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/blocks.h"
#include "exporters/helper/resolver.h"

namespace boost::asio::ssl {
class context;
}

namespace weir::exporters::helper {

// An http:// or https:// URL split into what the client needs.
struct Url {
  bool https = false;
  std::string host;    // without brackets for IPv6 literals
  int port = 0;        // explicit, or 80 / 443 by scheme
  std::string target;  // path and query, at least "/"
  std::string text;    // the URL as configured, for messages
};

// Parses `text`; returns false and sets *error unless it is http(s)://host[:port][/path][?q].
// A fragment is dropped; credentials in the authority are refused.
bool ParseUrl(const std::string& text, Url* url, std::string* error);

// An answer as Post read it.
struct HttpResponse {
  unsigned status = 0;       // e.g. 200
  std::string content_type;  // the Content-Type header, or ""
  // The body, already gunzipped when the answer was gzip-encoded (kept as received when it does
  // not inflate). At most 4 MiB: a longer one is cut short.
  std::string body;
  std::string retry_after;  // the Retry-After header, or ""
};

class HttpClient {
 public:
  // `id` names the exporter in messages ("otlphttp/backend"). Requests go to `url`; `tls`
  // applies to https URLs (tls.insecure has no effect: the URL's scheme decides).
  HttpClient(std::string id, Url url, config::TlsClientConfig tls);
  ~HttpClient();

  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Prepares the TLS context for https URLs (CA, client certificate). Connections open lazily,
  // so an unreachable endpoint is not an error here. Returns FailedPrecondition naming the
  // file when a TLS file cannot be loaded.
  absl::Status Start();

  // POSTs `body` to url().target and returns the answer by `deadline`. The request carries
  // Host, User-Agent "weir", Content-Type `content_type` and keep-alive, then `headers` in
  // order (set after the others, so they may override them; e.g. Content-Encoding, configured
  // headers, an authenticator's header; a later one replaces an earlier one of the same name).
  // Any status the server answers is OK here (see HttpErrorStatus). Errors, with the message
  // "POST <url>: <step>: <detail>": DeadlineExceeded when the deadline passed first;
  // Unavailable for resolution, connection, TLS and protocol failures. FailedPrecondition
  // before Start or after Shutdown.
  absl::StatusOr<HttpResponse> Post(absl::string_view content_type, std::string body,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    absl::Time deadline);

  // Closes the idle connections and stops the resolver; later posts fail.
  void Shutdown();

  const Url& url() const { return url_; }

  struct Connection;  // one keep-alive connection with its own io_context; defined in the .cc

 private:
  // Resolves, connects and (for https) completes the TLS handshake by `deadline`.
  absl::StatusOr<std::unique_ptr<Connection>> Connect(absl::Time deadline);
  // An idle connection that still looks open, or null.
  std::unique_ptr<Connection> TakeIdle();
  void ReturnIdle(std::unique_ptr<Connection> connection);
  // Unavailable (or DeadlineExceeded when `timed_out`) naming the URL and the failed step.
  absl::Status NetworkError(absl::string_view step, absl::string_view detail, bool timed_out) const;

  const std::string id_;
  const Url url_;
  const config::TlsClientConfig tls_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // https only; set in Start
  Resolver resolver_;

  std::mutex mu_;
  bool running_ = false;                           // guarded by mu_
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_; most recent last
};

// The Sender result for `response` as the OTLP/HTTP specification says: OK for 2xx;
// ResourceExhausted for 429 and Unavailable for 502, 503 and 504, both with the Retry-After
// delay attached (WithRetryDelay) when the answer has a valid one; Unimplemented for 501,
// Internal for 500 and the other 5xx; InvalidArgument for everything else (4xx, and 1xx and 3xx,
// since redirects are not followed). The message is "<url text>: HTTP <code> <reason>", then
// ": " and up to 200 bytes of the body (the message of a google.rpc.Status when the body is
// protobuf), on one line, escaped when not printable.
absl::Status HttpErrorStatus(const Url& url, const HttpResponse& response);

}  // namespace weir::exporters::helper
