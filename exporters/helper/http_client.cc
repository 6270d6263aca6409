#include "exporters/helper/http_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "exporters/helper/retry_after.h"
#include "exporters/helper/sender.h"
#include "pipeline/net/compression.h"
#include "pipeline/net/tls.h"
#include "pipeline/otlp/rpc_status.h"

namespace weir::exporters::helper {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr char kUserAgent[] = "weir";
// Answers to exports are small; this only bounds what a misbehaving server can make us buffer.
constexpr size_t kMaxResponseBytes = 4 << 20;
// How much of an error body goes into the returned status.
constexpr size_t kMaxBodyInMessage = 200;
// Idle connections kept for reuse, and how long one may sit idle (otelcol's default
// idle_conn_timeout) before the server is likely to have dropped it.
constexpr size_t kMaxIdleConnections = 64;
constexpr absl::Duration kMaxIdleTime = absl::Seconds(90);
// Bounds an unbounded deadline so that clock arithmetic cannot overflow.
constexpr absl::Duration kMaxSendTime = absl::Hours(24);

std::chrono::steady_clock::time_point SteadyDeadline(absl::Time deadline) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             absl::ToChronoNanoseconds(std::max(deadline - absl::Now(), absl::ZeroDuration())));
}

absl::string_view View(beast::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// Up to kMaxBodyInMessage bytes of an error body, readable in a log line.
std::string DescribeBody(absl::string_view content_type, absl::string_view body) {
  std::optional<weir::otlp::RpcStatus> status;
  if (absl::StrContains(content_type, "protobuf")) status = weir::otlp::DecodeRpcStatusProto(body);
  if (status) body = status->message;
  std::string text(absl::StripAsciiWhitespace(body.substr(0, kMaxBodyInMessage)));
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return absl::CHexEscape(text);
  }
  return text;
}

bool IsBrokenConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

}  // namespace

bool ParseUrl(const std::string& text, Url* url, std::string* error) {
  absl::string_view rest = text;
  Url out;
  out.text = text;
  if (absl::ConsumePrefix(&rest, "http://")) {
    out.https = false;
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    out.https = true;
  } else {
    *error = absl::StrCat("expected an http:// or https:// URL, got \"", text, "\"");
    return false;
  }
  rest = rest.substr(0, rest.find('#'));
  size_t authority_end = rest.find_first_of("/?");
  absl::string_view authority = rest.substr(0, authority_end);
  absl::string_view target =
      authority_end == absl::string_view::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != absl::string_view::npos) {
    *error = "credentials in the URL are not supported; set an Authorization header instead";
    return false;
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      *error = absl::StrCat("unterminated IPv6 address in \"", text, "\"");
      return false;
    }
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        *error = absl::StrCat("unexpected text after the IPv6 address in \"", text, "\"");
        return false;
      }
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    *error = absl::StrCat("missing host in \"", text, "\"");
    return false;
  }
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.https ? 443 : 80;
  } else if (!absl::SimpleAtoi(port, &out.port) || out.port < 1 || out.port > 65535) {
    *error = absl::StrCat("invalid port in \"", text, "\": expected a number from 1 to 65535");
    return false;
  }
  if (target.empty()) {
    out.target = "/";
  } else if (target[0] == '?') {
    out.target = absl::StrCat("/", target);
  } else {
    out.target = std::string(target);
  }
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      *error = absl::StrCat("the path of \"", text, "\" contains a space or control character");
      return false;
    }
  }
  *url = std::move(out);
  return true;
}

struct HttpClient::Connection {
  explicit Connection(ssl::context* tls_context) : io(1) {
    if (tls_context != nullptr) {
      tls.emplace(io, *tls_context);
    } else {
      plain.emplace(io);
    }
  }

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Starts one asynchronous operation with `start(handler)` and runs this connection's
  // io_context until it completes. The stream's expiry closes the socket at the deadline, so
  // this returns by then.
  template <typename StartFn>
  beast::error_code Run(StartFn&& start) {
    beast::error_code result = asio::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  // Runs `fn` with whichever stream this connection uses.
  template <typename Fn>
  auto WithStream(Fn&& fn) {
    if (tls) return fn(*tls);
    return fn(*plain);
  }

  // False when the server has closed the connection (or sent something unasked) while idle.
  bool LooksReusable() {
    if (buffer.size() > 0 || !tcp().socket().is_open()) return false;
    char byte;
    ssize_t n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  // Declared first so it is destroyed last, after the streams that use it.
  asio::io_context io;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  absl::Time idle_since = absl::InfinitePast();
};

HttpClient::HttpClient(std::string id, Url url, config::TlsClientConfig tls)
    : id_(std::move(id)),
      url_(std::move(url)),
      tls_(std::move(tls)),
      resolver_(url_.host, url_.port) {}

HttpClient::~HttpClient() = default;

absl::Status HttpClient::Start() {
  if (url_.https) {
    absl::StatusOr<std::shared_ptr<ssl::context>> context = net::MakeClientTlsContext(tls_);
    if (!context.ok()) {
      return absl::Status(context.status().code(),
                          absl::StrCat(id_, ": ", context.status().message()));
    }
    tls_context_ = *std::move(context);
  }
  std::lock_guard<std::mutex> lock(mu_);
  running_ = true;
  return absl::OkStatus();
}

absl::Status HttpClient::NetworkError(absl::string_view step, absl::string_view detail,
                                      bool timed_out) const {
  std::string message = absl::StrCat("POST ", url_.text, ": ", step, ": ", detail);
  return timed_out ? absl::DeadlineExceededError(message) : absl::UnavailableError(message);
}

absl::StatusOr<std::unique_ptr<HttpClient::Connection>> HttpClient::Connect(absl::Time deadline) {
  bool timed_out = false;
  absl::StatusOr<std::vector<tcp::endpoint>> endpoints = resolver_.Resolve(deadline, &timed_out);
  if (!endpoints.ok()) {
    return NetworkError(absl::StrCat("resolving ", url_.host), endpoints.status().message(),
                        timed_out);
  }
  auto connection = std::make_unique<Connection>(tls_context_.get());
  Connection& c = *connection;
  c.tcp().expires_at(SteadyDeadline(deadline));
  beast::error_code ec =
      c.Run([&](auto handler) { c.tcp().async_connect(*endpoints, std::move(handler)); });
  if (ec) {
    return NetworkError("connecting", ec.message(),
                        ec == beast::error::timeout || absl::Now() >= deadline);
  }
  c.tcp().socket().set_option(tcp::no_delay(true), ec);
  if (c.tls) {
    const std::string& name =
        tls_.server_name_override.empty() ? url_.host : tls_.server_name_override;
    // SNI carries host names only, never addresses.
    if (!IsIpLiteral(name)) SSL_set_tlsext_host_name(c.tls->native_handle(), name.c_str());
    if (!tls_.insecure_skip_verify) {
      c.tls->set_verify_callback(ssl::host_name_verification(name), ec);
    }
    ec = c.Run([&](auto handler) {
      c.tls->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec) {
      return NetworkError("TLS handshake", ec.message(),
                          ec == beast::error::timeout || absl::Now() >= deadline);
    }
  }
  return connection;
}

std::unique_ptr<HttpClient::Connection> HttpClient::TakeIdle() {
  std::lock_guard<std::mutex> lock(mu_);
  while (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    if (absl::Now() - c->idle_since < kMaxIdleTime && c->LooksReusable()) return c;
  }
  return nullptr;
}

void HttpClient::ReturnIdle(std::unique_ptr<Connection> connection) {
  connection->idle_since = absl::Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (!running_) return;
  if (idle_.size() >= kMaxIdleConnections) idle_.erase(idle_.begin());
  idle_.push_back(std::move(connection));
}

absl::StatusOr<HttpResponse> HttpClient::Post(
    absl::string_view content_type, std::string body,
    const std::vector<std::pair<std::string, std::string>>& headers, absl::Time deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!running_) return absl::FailedPreconditionError(absl::StrCat(id_, " is not running"));
  }
  if (absl::Now() >= deadline) {
    return NetworkError("sending", "deadline passed before sending", true);
  }
  deadline = std::min(deadline, absl::Now() + kMaxSendTime);
  try {
    http::request<http::string_body> request{http::verb::post, url_.target, 11};
    bool default_port = url_.port == (url_.https ? 443 : 80);
    std::string host =
        url_.host.find(':') != std::string::npos ? absl::StrCat("[", url_.host, "]") : url_.host;
    request.set(http::field::host, default_port ? host : absl::StrCat(host, ":", url_.port));
    request.set(http::field::user_agent, kUserAgent);
    request.set(http::field::content_type,
                beast::string_view(content_type.data(), content_type.size()));
    for (const auto& [name, value] : headers) request.set(name, value);
    request.keep_alive(true);
    request.body() = std::move(body);
    request.prepare_payload();

    while (true) {
      std::unique_ptr<Connection> connection = TakeIdle();
      const bool reused = connection != nullptr;
      if (!reused) {
        absl::StatusOr<std::unique_ptr<Connection>> made = Connect(deadline);
        if (!made.ok()) return made.status();
        connection = std::move(*made);
      }
      Connection& c = *connection;
      c.tcp().expires_at(SteadyDeadline(deadline));

      beast::error_code ec = c.WithStream([&](auto& stream) {
        return c.Run([&](auto handler) { http::async_write(stream, request, std::move(handler)); });
      });
      absl::string_view step = "sending";
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBytes);
      if (!ec) {
        step = "reading the response";
        ec = c.WithStream([&](auto& stream) {
          return c.Run([&](auto handler) {
            http::async_read(stream, c.buffer, parser, std::move(handler));
          });
        });
      }
      bool timed_out = ec == beast::error::timeout || absl::Now() >= deadline;
      bool too_large = ec == http::error::body_limit && parser.is_header_done();
      if (ec && !too_large) {
        // A pooled connection the server closed while it sat idle fails before any answer:
        // the request never reached the server's handler, so it goes out again on another
        // connection.
        if (reused && !timed_out && !parser.got_some() && IsBrokenConnection(ec)) continue;
        return NetworkError(step, ec.message(), timed_out);
      }

      http::response<http::string_body>& answer = parser.get();
      if (!too_large && answer.keep_alive()) ReturnIdle(std::move(connection));
      HttpResponse response;
      response.status = answer.result_int();
      response.content_type = std::string(View(answer[http::field::content_type]));
      response.retry_after = std::string(View(answer[http::field::retry_after]));
      response.body = std::move(answer.body());
      if (absl::EqualsIgnoreCase(View(answer[http::field::content_encoding]), "gzip")) {
        absl::StatusOr<std::string> inflated = net::Gunzip(response.body, kMaxResponseBytes);
        if (inflated.ok()) response.body = std::move(*inflated);
      }
      return response;
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("POST ", url_.text, ": unexpected failure: ", e.what()));
  }
}

void HttpClient::Shutdown() {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    closing.swap(idle_);
  }
  resolver_.Shutdown();
}

absl::Status HttpErrorStatus(const Url& url, const HttpResponse& response) {
  const unsigned status = response.status;
  if (status >= 200 && status < 300) return absl::OkStatus();
  std::string message =
      absl::StrCat(url.text, ": HTTP ", status, " ",
                   View(http::obsolete_reason(static_cast<http::status>(status))));
  if (std::string detail = DescribeBody(response.content_type, response.body); !detail.empty()) {
    absl::StrAppend(&message, ": ", detail);
  }
  // The OTLP/HTTP specification retries 429, 502, 503 and 504 only; a Retry-After with them
  // says when.
  absl::Status retryable;
  if (status == 429) {
    retryable = absl::ResourceExhaustedError(message);
  } else if (status == 502 || status == 503 || status == 504) {
    retryable = absl::UnavailableError(message);
  }
  if (!retryable.ok()) {
    if (std::optional<absl::Duration> delay = ParseRetryAfter(response.retry_after, absl::Now())) {
      return WithRetryDelay(std::move(retryable), *delay);
    }
    return retryable;
  }
  // Other 5xx: the server failed on this request and says nothing suggests a retry would do
  // better (500), or cannot serve it at all (501, 505, ...).
  if (status == 501) return absl::UnimplementedError(message);
  if (status >= 500 && status < 600) return absl::InternalError(message);
  // Other 4xx: the data or the request is wrong and sending it again will not help. 1xx and
  // 3xx (redirects are not followed) are configuration problems, equally permanent.
  return absl::InvalidArgumentError(message);
}

}  // namespace weir::exporters::helper
