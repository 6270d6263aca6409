// HttpServer's connections: one Session per connection reads requests through an
// HttpRequestReader, runs the handler behind the server's gate and writes the answers, with
// the per-phase deadlines of HttpServerOptions. Every completion handler holds the session
// (and through it the server's State) by shared_ptr and runs on the session's strand.
#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/core/detect_ssl.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "pipeline/net/address.h"
#include "pipeline/net/http_request_reader.h"
#include "pipeline/net/http_server_state.h"

namespace weir::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

using Stream = beast::basic_stream<tcp, HttpExecutor>;
using TlsStream = beast::ssl_stream<Stream>;
using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 64 << 10;   // largest single read into the connection buffer
constexpr size_t kLingerBytes = 1 << 20;  // most bytes drained before closing after an error
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr char kPlaintextOnTls[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    "Content-Length: 48\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

Clock::time_point DeadlineAfter(Clock::time_point start, absl::Duration timeout) {
  if (timeout <= absl::ZeroDuration()) return Clock::time_point::max();
  return start + absl::ToChronoNanoseconds(timeout);
}

// Zero falls back to read_timeout, as Go's net/http does (see HttpServerOptions).
absl::Duration OrReadTimeout(absl::Duration d, const HttpServerOptions& options) {
  return d > absl::ZeroDuration() ? d : options.read_timeout;
}

template <typename StreamT>
class Session : public HttpSessionBase, public std::enable_shared_from_this<Session<StreamT>> {
 public:
  static constexpr bool kTls = !std::is_same_v<StreamT, Stream>;

  Session(HttpStrandSocket socket, std::shared_ptr<HttpServer::State> server,
          bool rejecting = false) requires(!kTls)
      : stream_(std::move(socket)),
        server_(std::move(server)),
        rejecting_(rejecting),
        buffer_(BufferLimit(server_->options)),
        reader_(Limits(server_->options)) {
    Count();
  }
  Session(HttpStrandSocket socket, std::shared_ptr<HttpServer::State> server) requires kTls
      : stream_(std::move(socket), *server->options.tls),
        server_(std::move(server)),
        buffer_(BufferLimit(server_->options)),
        reader_(Limits(server_->options)) {
    Count();
  }

  ~Session() override {
    EndRequest();
    if (!rejecting_) {
      server_->Untrack(this);
      server_->connections.fetch_sub(1);
    }
  }

  void Run() {
    Guard([this] { Start(); });
  }

  void Close() override {
    boost::asio::post(Lowest().get_executor(),
                      [self = this->shared_from_this()] { self->CloseNow(); });
  }

 private:
  void Start() {
    if (!rejecting_ && !server_->Track(this, this->shared_from_this())) return CloseNow();
    connected_at_ = Clock::now();
    boost::system::error_code ec;
    tcp::endpoint peer = Lowest().socket().remote_endpoint(ec);
    if (!ec) peer_ = FormatEndpoint(peer);
    if (rejecting_) {
      return RespondError({http::status::service_unavailable, "too many connections", true});
    }
    // The first request's header deadline runs from the connection's start, handshake included.
    BeginRequest(connected_at_);
    if constexpr (kTls) {
      Lowest().expires_at(HeaderDeadline());
      beast::async_detect_ssl(Lowest(), buffer_,
                              [self = this->shared_from_this()](beast::error_code ec, bool tls) {
                                self->Guard([&] { self->OnDetect(ec, tls); });
                              });
    } else {
      Parse();
    }
  }

  static size_t BufferLimit(const HttpServerOptions& o) { return o.max_header_bytes + kReadChunk; }
  static HttpReadLimits Limits(const HttpServerOptions& o) {
    return {.max_header_bytes = o.max_header_bytes,
            .max_body_bytes = o.max_body_bytes,
            .budget = o.budget};
  }
  void Count() {
    if (!rejecting_) server_->connections.fetch_add(1);
  }

  // Runs one step of the session; an exception (std::bad_alloc, a Boost system error) costs
  // this connection a 500, never the server.
  template <typename F>
  void Guard(F&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      OnException(e.what());
    } catch (...) {
      OnException("unknown exception");
    }
  }

  void OnException(const char* what) {
    server_->error_log.Warn("http", "%s: internal error on a connection from %s: %s",
                            server_->options.name, peer_, what);
    if (closed_ || writing_) return CloseNow();
    try {
      RespondError({http::status::internal_server_error, "internal error", false});
    } catch (...) {
      CloseNow();
    }
  }

  void OnDetect(beast::error_code ec, bool tls) {
    if (ec) return CloseNow();  // the peer went away or timed out before saying anything
    if (!tls) {
      // Plaintext on a TLS port: answer in plaintext, so the client learns why.
      writing_ = true;
      Lowest().expires_at(DeadlineAfter(Clock::now(), server_->options.write_timeout));
      boost::asio::async_write(Lowest(),
                               boost::asio::buffer(kPlaintextOnTls, sizeof kPlaintextOnTls - 1),
                               [self = this->shared_from_this()](beast::error_code ec, size_t) {
                                 self->writing_ = false;
                                 if (ec) return self->CloseNow();
                                 self->LingerClose();
                               });
      return;
    }
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                              [self = this->shared_from_this()](beast::error_code ec, size_t used) {
                                self->Guard([&] {
                                  if (ec) return self->CloseNow();  // refused or timed out
                                  self->buffer_.consume(used);
                                  self->Parse();
                                });
                              });
    }
  }

  void BeginRequest(Clock::time_point start) {
    request_started_ = true;
    header_deadline_ =
        DeadlineAfter(start, OrReadTimeout(server_->options.read_header_timeout, server_->options));
    request_deadline_ = DeadlineAfter(start, server_->options.read_timeout);
  }
  Clock::time_point HeaderDeadline() const { return std::min(header_deadline_, request_deadline_); }

  // Parses what is buffered and decides the next step.
  void Parse() {
    size_t used = reader_.Put(buffer_.data());
    buffer_.consume(used);
    if (server_->options.header_check && !header_checked_ &&
        (reader_.state() == HttpRequestReader::State::kBody ||
         reader_.state() == HttpRequestReader::State::kComplete)) {
      header_checked_ = true;
      if (!CheckHeader()) return;
    }
    switch (reader_.state()) {
      case HttpRequestReader::State::kFailed:
        return RespondError(reader_.refusal());
      case HttpRequestReader::State::kComplete:
        return Handle();
      case HttpRequestReader::State::kHeader:
        if (!request_started_ && !reader_.started()) return AwaitNextRequest();
        if (!request_started_) BeginRequest(Clock::now());
        Lowest().expires_at(HeaderDeadline());
        return ReadSome();
      case HttpRequestReader::State::kBody:
        if (reader_.expects_continue() && !continue_sent_) return SendContinue();
        Lowest().expires_at(request_deadline_);
        // Until the first body bytes arrive nothing is allocated for the body: a client that
        // declares a length and sends nothing costs its connection buffer only.
        if (reader_.chunked() || reader_.body_size() == 0) return ReadSome();
        return ReadBodyWindow();
    }
  }

  // Keep-alive: wait for the first byte of the next request within idle_timeout (and the
  // connection's age limit). Also after Shutdown began: a request arriving then is answered
  // 503 until Shutdown closes the connection.
  void AwaitNextRequest() {
    Clock::time_point now = Clock::now();
    Clock::time_point deadline =
        DeadlineAfter(now, OrReadTimeout(server_->options.idle_timeout, server_->options));
    if (server_->options.max_connection_age > absl::ZeroDuration()) {
      Clock::time_point end = DeadlineAfter(connected_at_, server_->options.max_connection_age);
      if (end <= now) return LingerClose();
      deadline = std::min(deadline, end);
    }
    Lowest().expires_at(deadline);
    ReadSome();
  }

  void ReadSome() {
    size_t room = std::min(kReadChunk, buffer_.max_size() - buffer_.size());
    if (room == 0) {  // the reader fails long before; kept as a bound, not a path
      return RespondError({http::status::request_header_fields_too_large, "request too large"});
    }
    stream_.async_read_some(buffer_.prepare(room),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->Guard([&] {
                                self->buffer_.commit(n);
                                if (ec) return self->OnReadError(ec);
                                self->Parse();
                              });
                            });
  }

  void ReadBodyWindow() {
    boost::asio::mutable_buffer window = reader_.BodyWindow();
    if (reader_.state() == HttpRequestReader::State::kFailed) {
      return RespondError(reader_.refusal());
    }
    boost::asio::async_read(stream_, window,
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->Guard([&] {
                                self->reader_.CommitBody(n);
                                if (ec) return self->OnReadError(ec);
                                self->Parse();
                              });
                            });
  }

  void SendContinue() {
    continue_sent_ = true;
    writing_ = true;
    Lowest().expires_at(DeadlineAfter(Clock::now(), server_->options.write_timeout));
    boost::asio::async_write(stream_, boost::asio::buffer(kContinue, sizeof kContinue - 1),
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               self->writing_ = false;
                               if (ec) return self->CloseNow();
                               self->Guard([&] { self->Parse(); });
                             });
  }

  // Runs options.header_check behind the handler gate. False when it answered the request
  // itself (refused, or the server is shutting down); the connection then closes.
  bool CheckHeader() {
    if (!server_->EnterHandler()) {
      RespondError({http::status::service_unavailable, "shutting down", true});
      return false;
    }
    std::optional<HttpResponse> refused;
    bool failed = false;
    {
      absl::Cleanup leave = [this] { server_->LeaveHandler(); };
      try {
        refused = server_->options.header_check(reader_.header(), peer_);
      } catch (...) {
        failed = true;
      }
    }
    if (failed) {
      server_->EndRequest();
      server_->error_log.Warn("http", "%s: header check failed", server_->options.name);
      RespondError({http::status::internal_server_error, "internal error"});
      return false;
    }
    if (!refused) {
      server_->EndRequest();  // the handler counts the request again when it runs
      return true;
    }
    ++requests_;
    in_request_ = true;  // ended once the answer is written
    response_ = std::move(*refused);
    response_.keep_alive(false);
    Write(true);
    return false;
  }

  // The peer went away, reset the connection or ran out of time: nobody to answer.
  void OnReadError(beast::error_code) { CloseNow(); }

  void Handle() {
    ++requests_;
    if (!server_->EnterHandler()) {
      return RespondError({http::status::service_unavailable, "shutting down", true});
    }
    in_request_ = true;
    bool failed = false;
    bool keep_alive = false;
    {
      absl::Cleanup leave = [this] { server_->LeaveHandler(); };  // whatever throws below
      HttpRequest request = reader_.TakeRequest();
      keep_alive = request.keep_alive();
      try {
        response_ = server_->handler(request, peer_);
      } catch (const std::exception& e) {
        failed = true;
        server_->error_log.Warn("http", "%s: handler failed: %s", server_->options.name, e.what());
      } catch (...) {
        failed = true;
        server_->error_log.Warn("http", "%s: handler failed", server_->options.name);
      }
    }
    reader_.Reset();  // releases the body's charge, now that the handler returned
    if (failed) return RespondError({http::status::internal_server_error, "internal error"});
    const HttpServerOptions& o = server_->options;
    bool close =
        !keep_alive || server_->stopping ||
        (o.max_requests_per_connection > 0 && requests_ >= o.max_requests_per_connection) ||
        (o.max_connection_age > absl::ZeroDuration() &&
         Clock::now() >= DeadlineAfter(connected_at_, o.max_connection_age));
    response_.keep_alive(!close);
    Write(close);
  }

  void RespondError(const HttpRefusal& refusal) {
    response_ = {};
    response_.version(11);
    response_.result(refusal.status);
    response_.set(http::field::content_type, "text/plain");
    if (refusal.retry_after) response_.set(http::field::retry_after, "1");
    response_.body() = absl::StrCat(refusal.message, "\n");
    response_.keep_alive(false);
    Write(true);
  }

  void Write(bool close) {
    response_.prepare_payload();
    writing_ = true;
    Lowest().expires_at(DeadlineAfter(Clock::now(), server_->options.write_timeout));
    http::async_write(stream_, response_,
                      [self = this->shared_from_this(), close](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        self->EndRequest();
                        if (ec) return self->CloseNow();
                        self->Guard([&] {
                          if (close) return self->LingerClose();
                          self->NextRequest();
                        });
                      });
  }

  void NextRequest() {
    response_ = {};
    request_started_ = false;
    continue_sent_ = false;
    header_checked_ = false;
    if (buffer_.size() == 0 && buffer_.capacity() > kReadChunk) buffer_.shrink_to_fit();
    Parse();
  }

  // Stops sending and drains what the client still sends, so the close does not turn into a
  // reset that could destroy the answer before the client read it.
  void LingerClose() {
    if (closed_) return;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (server_->options.linger_timeout <= absl::ZeroDuration()) return CloseNow();
    buffer_.clear();
    Lowest().expires_at(DeadlineAfter(Clock::now(), server_->options.linger_timeout));
    Drain();
  }

  void Drain() {
    size_t room = std::min(kReadChunk, buffer_.max_size());
    Lowest().async_read_some(buffer_.prepare(room),
                             [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ >= kLingerBytes) return self->CloseNow();
                               self->Drain();
                             });
  }

  void EndRequest() {
    if (!in_request_) return;
    in_request_ = false;
    server_->EndRequest();
  }

  void CloseNow() {
    EndRequest();
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().close();
  }

  Stream& Lowest() { return beast::get_lowest_layer(stream_); }

  StreamT stream_;
  std::shared_ptr<HttpServer::State> server_;
  bool rejecting_ = false;  // answers 503 and closes; not counted as a connection
  beast::flat_buffer buffer_;
  HttpRequestReader reader_;
  std::string peer_;  // the client's address
  HttpResponse response_;
  Clock::time_point connected_at_;
  Clock::time_point header_deadline_;
  Clock::time_point request_deadline_;
  size_t requests_ = 0;
  size_t drained_ = 0;
  bool request_started_ = false;
  bool continue_sent_ = false;
  bool header_checked_ = false;  // options.header_check ran for the current request
  bool writing_ = false;
  bool in_request_ = false;  // counted in the server's requests_in_progress
  bool closed_ = false;
};

}  // namespace

void StartHttpSession(const std::shared_ptr<HttpServer::State>& server, HttpStrandSocket socket) {
  if (server->options.tls) {
    std::make_shared<Session<TlsStream>>(std::move(socket), server)->Run();
  } else {
    std::make_shared<Session<Stream>>(std::move(socket), server)->Run();
  }
}

void RejectHttpConnection(const std::shared_ptr<HttpServer::State>& server,
                          HttpStrandSocket socket) {
  std::make_shared<Session<Stream>>(std::move(socket), server, /*rejecting=*/true)->Run();
}

}  // namespace weir::net
