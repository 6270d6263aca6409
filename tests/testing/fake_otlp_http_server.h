// A fake OTLP/HTTP backend for exporter tests: something to export to that is not a weir
// receiver (tests/testing/fake_otlp_server.h is its gRPC counterpart).
//
// FakeOtlpHttpServer speaks HTTP/1.1 (Boost.Beast) on 127.0.0.1 port 0, plaintext or TLS with
// the test certificate. It records every request it reads — target, headers, the body as sent
// and decoded (Content-Encoding undone, then parsed as OTLP protobuf or JSON by its
// Content-Type) — and counts connections. It answers each request with whatever reply it was
// last given: a status code with a body (e.g. a partial success or a google.rpc.Status), a
// Retry-After, a delay, closing the connection afterwards, or no answer at all.
//
// It is plain Beast rather than pipeline/net's HttpServer because it must do what a real
// server never does: stay silent, drop a kept-alive connection unannounced, see the TLS server
// name and count connections.
//
// Threading: requests are served on the server's own thread; set_reply(), requests(),
// span_count() and connections() may be used from any thread at any time. The destructor stops
// the thread and closes every connection.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "pipeline/otlp/partial_success.h"
#include "pipeline/otlp/types.h"
#include "tests/testing/fake_server_tls.h"

namespace weir::testing {

class FakeOtlpHttpServer {
 public:
  // What the server answers each request with.
  struct Reply {
    unsigned status = 200;
    std::string content_type = "application/x-protobuf";
    std::string body{};         // sent as is; empty: an empty ExportTraceServiceResponse
    std::string retry_after{};  // the Retry-After header's value; "" sends none
    absl::Duration delay{};     // waited (without blocking other connections) before answering
    bool answer = true;         // false: read requests, never answer
    bool close_after = false;   // close the connection after answering, without saying so
  };

  // 200 with `response` (e.g. with partial_success) in `encoding`.
  static Reply Answer(const weir::otlp::ExportResponse& response,
                      weir::otlp::ResponseEncoding encoding = weir::otlp::ResponseEncoding::kProto);
  // What an OTLP server answers a refused export with: HTTP `status` carrying a
  // google.rpc.Status{`rpc_code`, `message`} in `encoding`, and a Retry-After when
  // `retry_after` is not empty.
  static Reply Refusal(
      unsigned status, int rpc_code, const std::string& message,
      const std::string& retry_after = "",
      weir::otlp::ResponseEncoding encoding = weir::otlp::ResponseEncoding::kProto);

  // One received request.
  struct Request {
    std::string method;                          // "POST"
    std::string target;                          // as sent, with the query
    std::string path;                            // the target without the query
    std::map<std::string, std::string> headers;  // lowercase names
    std::string content_encoding;                // lowercase; "" when the header is absent
    std::string body;                            // as received, still compressed
    std::string decoded_body;                    // with the Content-Encoding undone
    // The request parsed from decoded_body by the Content-Type (protobuf or JSON); nullopt
    // when it does not parse, with the reason in decode_error.
    std::optional<weir::otlp::ExportRequest> decoded;
    std::string decode_error;
    size_t span_count = 0;  // spans in `decoded`
    std::string sni;        // TLS server name indication; "" without TLS or without SNI

    // The value of header `name` (lowercase), or "<absent>".
    std::string Header(const std::string& name) const;
  };

  // Starts serving at once, answering 200 with an empty body. Fails the test when it cannot
  // listen.
  explicit FakeOtlpHttpServer(FakeServerTls tls = FakeServerTls::kNone);
  // As above, answering with `reply`.
  explicit FakeOtlpHttpServer(Reply reply, FakeServerTls tls = FakeServerTls::kNone);
  ~FakeOtlpHttpServer();

  FakeOtlpHttpServer(const FakeOtlpHttpServer&) = delete;
  FakeOtlpHttpServer& operator=(const FakeOtlpHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:port", or https:// with TLS; no path.
  std::string url() const;

  // Replaces the answer to requests read from now on.
  void set_reply(Reply reply);
  // Every request read so far, oldest first.
  std::vector<Request> requests() const;
  // Spans in every request read so far.
  size_t span_count() const;
  // Connections accepted so far.
  int connections() const { return connections_; }

 private:
  template <typename Stream>
  class Session;

  void Accept();
  Reply reply() const;
  void Record(Request request);

  std::optional<boost::asio::ssl::context> tls_;
  // Declared after tls_: the sessions its destructor frees may still hold TLS streams.
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  Reply reply_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace weir::testing
