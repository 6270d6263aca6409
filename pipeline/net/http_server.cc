// HttpServer's listener: binding, the accept loop (with its connection limit and its back-off
// when the process runs out of file descriptors), the handler gate and Shutdown. The
// connections themselves live in http_session.cc.
#include "pipeline/net/http_server.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core/error.hpp"
#include "pipeline/net/address.h"
#include "pipeline/net/http_server_state.h"

namespace weir::net {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// How long the accept loop waits after a failure that would repeat at once (no file
// descriptors, no buffers) before it accepts again.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

}  // namespace

HttpServer::State::State(boost::asio::io_context& io, HttpServerOptions options,
                         HttpPeerHandler handler)
    : io(io),
      options(std::move(options)),
      handler(std::move(handler)),
      acceptor(boost::asio::make_strand(io)),
      accept_backoff(acceptor.get_executor()) {}

bool HttpServer::State::Track(HttpSessionBase* session, std::weak_ptr<HttpSessionBase> weak) {
  std::lock_guard<std::mutex> lock(mu);
  if (sessions_closed) return false;
  sessions.emplace(session, std::move(weak));
  return true;
}

void HttpServer::State::Untrack(HttpSessionBase* session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.erase(session);
}

bool HttpServer::State::EnterHandler() {
  // Both counters go up before `stopping` is read, and Shutdown stores `stopping` before it
  // reads them (all sequentially consistent): either this sees `stopping`, or Shutdown sees
  // the handler and waits for it.
  handlers_running.fetch_add(1);
  requests_in_progress.fetch_add(1);
  if (!stopping.load()) return true;
  LeaveHandler();
  EndRequest();
  return false;
}

void HttpServer::State::LeaveHandler() {
  if (handlers_running.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(mu);
    idle.notify_all();
  }
}

void HttpServer::State::EndRequest() {
  if (requests_in_progress.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(mu);
    idle.notify_all();
  }
}

void HttpServer::State::Accept() {
  acceptor.async_accept(boost::asio::make_strand(io.get_executor()),
                        [self = shared_from_this()](beast::error_code ec, HttpStrandSocket socket) {
                          self->OnAccept(ec, std::move(socket));
                        });
}

void HttpServer::State::OnAccept(const boost::system::error_code& ec, HttpStrandSocket socket) {
  if (stopping || !acceptor.is_open()) return;
  if (ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    accept_errors.fetch_add(1);
    if (ec == boost::asio::error::connection_aborted) return Accept();  // that client left
    // Out of file descriptors (EMFILE, ENFILE), buffers or memory: accepting again at once
    // would fail the same way and spin. Connections already open keep being served.
    error_log.Warn("http", "%s: cannot accept a connection: %s; retrying in %d ms", options.name,
                   ec.message(), static_cast<int>(kAcceptBackoff.count()));
    return BackOffAccept();
  }
  try {
    if (connections.load() >= options.max_connections) {
      rejected.fetch_add(1);
      // A TLS client could not read a plaintext answer, and a handshake is what a flood costs:
      // close at once.
      if (!options.tls) RejectHttpConnection(shared_from_this(), std::move(socket));
    } else {
      accepted.fetch_add(1);
      StartHttpSession(shared_from_this(), std::move(socket));
    }
  } catch (const std::exception& e) {  // e.g. std::bad_alloc: lose this connection only
    error_log.Warn("http", "%s: cannot serve a connection: %s", options.name, e.what());
  }
  Accept();
}

void HttpServer::State::BackOffAccept() {
  accept_backoff.expires_after(kAcceptBackoff);
  accept_backoff.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->stopping || !self->acceptor.is_open()) return;
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
    beast::error_code ignored;
    acceptor.close(ignored);
    return absl::UnavailableError(absl::StrCat(state_->options.name, ": cannot listen on ",
                                               state_->options.endpoint, ": ", ec.message()));
  }
  state_->bound = FormatEndpoint(acceptor.local_endpoint());
  state_->started = true;
  state_->Accept();
  return absl::OkStatus();
}

void HttpServer::Shutdown(absl::Time deadline) {
  State& s = *state_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping = true;

  // Close the port on the acceptor's strand, which serializes the close with its handlers,
  // and wait for it: the port is free once Shutdown returns (a reload may bind it again).
  auto closed = std::make_shared<std::promise<void>>();
  std::future<void> done = closed->get_future();
  boost::asio::post(s.acceptor.get_executor(), [state = state_, closed] {
    beast::error_code ignored;
    state->accept_backoff.cancel();
    state->acceptor.close(ignored);
    closed->set_value();
  });
  auto wait_for_close = std::max(absl::ToChronoNanoseconds(deadline - absl::Now()),
                                 std::chrono::nanoseconds(std::chrono::seconds(2)));
  if (done.wait_for(wait_for_close) != std::future_status::ready) {
    // The I/O threads are not running, so nothing else touches the acceptor.
    log::Warn("http", "%s: I/O threads not running at shutdown; closing the port directly",
              s.options.name);
    beast::error_code ignored;
    s.acceptor.close(ignored);
  }

  std::unique_lock<std::mutex> lock(s.mu);
  s.idle.wait_until(lock, absl::ToChronoTime(deadline),
                    [&s] { return s.requests_in_progress.load() == 0; });
  std::vector<std::shared_ptr<HttpSessionBase>> live;
  for (auto& [session, weak] : s.sessions) {
    if (auto strong = weak.lock()) live.push_back(std::move(strong));
  }
  s.sessions.clear();
  s.sessions_closed = true;
  lock.unlock();
  for (auto& session : live) session->Close();
  live.clear();

  // A handler that already runs is waited for even past the deadline: after Shutdown the
  // handler's owner may be destroyed.
  lock.lock();
  s.idle.wait(lock, [&s] { return s.handlers_running.load() == 0; });
  lock.unlock();
  // No session can reach the handler any more (the gate is closed): release what it holds.
  s.handler = nullptr;
}

std::string HttpServer::bound_address() const { return state_->bound; }

HttpServerStats HttpServer::stats() const {
  return {.accepted = state_->accepted.load(),
          .rejected = state_->rejected.load(),
          .accept_errors = state_->accept_errors.load(),
          .connections = state_->connections.load()};
}

HttpResponse MakeHttpResponse(const HttpRequest& request, http::status status,
                              std::string content_type, std::string body) {
  HttpResponse response{status, request.version()};
  response.set(http::field::content_type, std::move(content_type));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  return response;
}

}  // namespace weir::net
