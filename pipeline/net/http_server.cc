#include "pipeline/net/http_server.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "config/blocks.h"
#include "pipeline/net/address.h"
#include "pipeline/telemetry/logger.h"

namespace weir::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// Each session runs on its own strand, because a Beast stream's timeout and its pending
// operation may complete on different I/O threads. The strand's type is concrete rather than
// beast::tcp_stream's type-erased executor, whose copies and refcounts on every completion
// cost a third of the HTTP receive path in profiles.
using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;
using Stream = beast::basic_stream<tcp, Executor>;
using StrandSocket = boost::asio::basic_stream_socket<tcp, Executor>;
using TlsStream = beast::ssl_stream<Stream>;
namespace ssl = boost::asio::ssl;

bool IsHttpProtocolError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// What the server keeps of a session: a way to close it at shutdown.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void Close() = 0;
};

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(boost::asio::io_context& io, HttpServerOptions options, HttpPeerHandler handler)
      : io(io),
        options(std::move(options)),
        handler(std::move(handler)),
        acceptor(boost::asio::make_strand(io)) {}

  void Accept();
  void Track(const std::shared_ptr<SessionBase>& session);

  boost::asio::io_context& io;
  HttpServerOptions options;
  HttpPeerHandler handler;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};
  std::mutex mu;
  std::vector<std::weak_ptr<SessionBase>> sessions;  // guarded by mu
  std::string bound;
  bool started = false;
  bool stopped = false;
};

namespace {

// One connection. StreamT is the plain Stream or a TLS stream over it.
template <typename StreamT>
class Session : public SessionBase, public std::enable_shared_from_this<Session<StreamT>> {
 public:
  // Plaintext.
  Session(StrandSocket socket,
          std::shared_ptr<HttpServer::State> server) requires std::is_same_v<StreamT, Stream>
      : stream_(std::move(socket)), server_(std::move(server)) {}
  // TLS.
  Session(StrandSocket socket, std::shared_ptr<HttpServer::State> server,
          ssl::context& tls) requires(!std::is_same_v<StreamT, Stream>)
      : stream_(std::move(socket), tls), server_(std::move(server)) {}

  void Run() {
    boost::system::error_code ec;
    tcp::endpoint peer = Lowest().socket().remote_endpoint(ec);
    if (!ec) peer_ = FormatEndpoint(peer);
    if constexpr (std::is_same_v<StreamT, Stream>) {
      ReadHeader();
    } else {
      Lowest().expires_after(absl::ToChronoSeconds(server_->options.idle_timeout));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->CloseNow();  // not TLS, or refused
                                self->ReadHeader();
                              });
    }
  }

  // Called from the shutting-down thread: runs on the session's strand, where shutting the
  // socket down makes the pending operation complete with an error, which then closes it.
  void Close() override {
    boost::asio::post(Lowest().get_executor(), [self = this->shared_from_this()] {
      if (self->closed_) return;
      beast::error_code ignored;
      self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

 private:
  void ReadHeader() {
    if (server_->stopping) return CloseNow();
    parser_.emplace();
    parser_->header_limit(64 * 1024);
    parser_->body_limit(server_->options.max_body_bytes);
    Lowest().expires_after(absl::ToChronoSeconds(server_->options.idle_timeout));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (auto len = parser_->content_length();
        len.has_value() && *len > server_->options.max_body_bytes) {
      return RespondError(http::status::payload_too_large, "request body too large", true);
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      boost::asio::async_write(
          stream_, boost::asio::buffer(*cont),
          [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
            if (ec) return self->CloseNow();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    auto length = parser_->content_length();
    if (!length.has_value() || parser_->chunked()) {
      http::async_read(
          stream_, buffer_, *parser_,
          [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
      return;
    }
    // A body of known length is read straight into its final string in one operation: the
    // parser's chunk-by-chunk path costs more than the rest of an OTLP request's handling.
    body_.clear();
    body_.resize(*length);
    size_t buffered = std::min<size_t>(buffer_.size(), *length);
    boost::asio::buffer_copy(boost::asio::buffer(body_.data(), buffered), buffer_.data(), buffered);
    buffer_.consume(buffered);
    if (buffered == *length) return OnBody({});
    boost::asio::async_read(
        stream_, boost::asio::buffer(body_.data() + buffered, *length - buffered),
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec) return CloseNow();  // the peer went away mid-body: nobody to answer
    HttpRequest request = parser_->release();
    request.body() = std::move(body_);
    Handle(request);
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return RespondError(http::status::payload_too_large, "request body too large", true);
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        !IsHttpProtocolError(ec)) {
      return CloseNow();  // the peer went away or timed out: nobody to answer
    }
    RespondError(http::status::bad_request, absl::StrCat("malformed HTTP request: ", ec.message()),
                 true);
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    HttpRequest request = parser_->release();
    Handle(request);
  }

  void Handle(HttpRequest& request) {
    server_->in_flight.fetch_add(1);
    response_ = server_->handler(request, peer_);
    bool close = !request.keep_alive() || server_->stopping;
    response_.keep_alive(!close);
    Write(close, true);
  }

  void RespondError(http::status status, std::string message, bool close) {
    server_->in_flight.fetch_add(1);
    response_ = {};
    response_.version(11);
    response_.result(status);
    response_.set(http::field::content_type, "text/plain");
    response_.body() = std::move(message);
    response_.keep_alive(false);
    Write(close, true);
  }

  void Write(bool close, bool counted) {
    response_.prepare_payload();
    Lowest().expires_after(absl::ToChronoSeconds(server_->options.idle_timeout));
    http::async_write(
        stream_, response_,
        [self = this->shared_from_this(), close, counted](beast::error_code ec, size_t) {
          if (counted) self->server_->in_flight.fetch_sub(1);
          if (ec || close) return self->CloseNow();
          self->ReadHeader();
        });
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().close();
  }

  Stream& Lowest() { return beast::get_lowest_layer(stream_); }

  StreamT stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string body_;  // the body being read when its length is known
  std::string peer_;  // the client's address
  HttpResponse response_;
  std::shared_ptr<HttpServer::State> server_;
  bool closed_ = false;  // on the session's strand
};

}  // namespace

void HttpServer::State::Track(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard<std::mutex> lock(mu);
  std::erase_if(sessions, [](const std::weak_ptr<SessionBase>& w) { return w.expired(); });
  sessions.push_back(session);
}

void HttpServer::State::Accept() {
  acceptor.async_accept(boost::asio::make_strand(io.get_executor()),
                        [self = shared_from_this()](beast::error_code ec, StrandSocket socket) {
                          if (self->stopping || !self->acceptor.is_open()) return;
                          if (!ec && self->options.tls) {
                            auto session = std::make_shared<Session<TlsStream>>(
                                std::move(socket), self, *self->options.tls);
                            self->Track(session);
                            session->Run();
                          } else if (!ec) {
                            auto session =
                                std::make_shared<Session<Stream>>(std::move(socket), self);
                            self->Track(session);
                            session->Run();
                          }
                          self->Accept();
                        });
}

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler)
    : HttpServer(
          io, std::move(options),
          HttpPeerHandler([handler = std::move(handler)](HttpRequest& request, absl::string_view) {
            return handler(request);
          })) {}

HttpServer::HttpServer(boost::asio::io_context& io, HttpServerOptions options,
                       HttpPeerHandler handler)
    : state_(std::make_shared<State>(io, std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status HttpServer::Start() {
  absl::StatusOr<tcp::endpoint> endpoint = ResolveListenAddress(state_->options.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  beast::error_code ec;
  auto& acceptor = state_->acceptor;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(state_->options.name, ": cannot listen on ",
                                               state_->options.endpoint, ": ", ec.message()));
  }
  state_->bound = FormatEndpoint(acceptor.local_endpoint());
  state_->started = true;
  state_->Accept();
  return absl::OkStatus();
}

void HttpServer::Shutdown(absl::Time deadline) {
  if (!state_->started || state_->stopped) return;
  state_->stopped = true;
  state_->stopping = true;
  // The acceptor's own strand serializes the close with its accept handler.
  boost::asio::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
  while (state_->in_flight.load() > 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    for (auto& w : state_->sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
    state_->sessions.clear();
  }
  for (auto& s : live) s->Close();
}

std::string HttpServer::bound_address() const { return state_->bound; }

HttpResponse MakeHttpResponse(const HttpRequest& request, http::status status,
                              std::string content_type, std::string body) {
  HttpResponse response{status, request.version()};
  response.set(http::field::content_type, std::move(content_type));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  return response;
}

}  // namespace weir::net
