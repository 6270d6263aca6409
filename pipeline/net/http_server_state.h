// What HttpServer's listener (http_server.cc) and its sessions (http_session.cc) share: the
// server's State, which every asynchronous handler holds by shared_ptr so none of them can
// outlive what it touches, and the gate that keeps handlers from running after Shutdown began.
// Internal to pipeline/net.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"

namespace weir::net {

// Each session runs on its own strand, because a Beast stream's timeout and its pending
// operation may complete on different I/O threads. The strand's type is concrete rather than
// beast::tcp_stream's type-erased executor, whose copies and refcounts on every completion
// cost a third of the HTTP receive path in profiles.
using HttpExecutor = boost::asio::strand<boost::asio::io_context::executor_type>;
using HttpStrandSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, HttpExecutor>;

// What the server keeps of a session: a way to close it at shutdown.
class HttpSessionBase {
 public:
  virtual ~HttpSessionBase() = default;
  // Closes the connection from any thread (the close runs on the session's strand).
  virtual void Close() = 0;
};

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(boost::asio::io_context& io, HttpServerOptions options, HttpPeerHandler handler);

  // Listener (http_server.cc), on the acceptor's strand.
  void Accept();
  void OnAccept(const boost::system::error_code& ec, HttpStrandSocket socket);
  void BackOffAccept();

  // Sessions register on creation and leave in their destructor. False when Shutdown has
  // already closed every session: the caller closes itself.
  bool Track(HttpSessionBase* session, std::weak_ptr<HttpSessionBase> weak);
  void Untrack(HttpSessionBase* session);

  // The handler gate. EnterHandler counts a request as in progress and its handler as running,
  // then checks `stopping`: false (nothing counted) once Shutdown began. Shutdown sets
  // `stopping` before it reads the counters, so a handler that passed the gate is always
  // waited for. LeaveHandler when the handler returned; EndRequest when its response was
  // written or the connection closed.
  bool EnterHandler();
  void LeaveHandler();
  void EndRequest();

  boost::asio::io_context& io;
  const HttpServerOptions options;
  HttpPeerHandler handler;  // reset by Shutdown once no handler can run
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer accept_backoff;  // on the acceptor's strand

  std::atomic<bool> stopping{false};
  std::atomic<int> requests_in_progress{0};
  std::atomic<int> handlers_running{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> accept_errors{0};
  std::atomic<uint64_t> connections{0};

  std::mutex mu;
  std::condition_variable idle;  // notified when a counter above drops to zero
  std::unordered_map<HttpSessionBase*, std::weak_ptr<HttpSessionBase>> sessions;  // under mu
  bool sessions_closed = false;                                                   // under mu

  log::RateLimited error_log;
  std::string bound;
  bool started = false;
  bool stopped = false;
};

// Serves one accepted connection (plaintext or TLS, as the options say) until it closes.
void StartHttpSession(const std::shared_ptr<HttpServer::State>& server, HttpStrandSocket socket);
// Answers a plaintext connection over max_connections with 503 and closes it.
void RejectHttpConnection(const std::shared_ptr<HttpServer::State>& server,
                          HttpStrandSocket socket);

}  // namespace weir::net
