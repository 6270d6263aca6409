// HttpTransport: sends pre-encoded export requests over OTLP/HTTP (HTTP/1.1, keep-alive, no
// pipelining) with Boost.Beast, each lane on its own connection.
//
// The request head is formatted per request and written together with the payload bytes in
// one gather write, so the body is never copied. A connection that fails, times out or is
// closed by the server is reopened by the lane's next request.
//
// 2xx counts as acknowledged (a partial-success body, protobuf or JSON, is read for rejected
// spans), 429 and 503 as refused, anything else and every connection error as failed.
//
// Threading: see transport.h. Everything runs on the one io_context thread, so connections
// need no strand.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "cmd/weir-loadgen/transport.h"

namespace weir::loadgen {

struct HttpTransportOptions {
  std::string endpoint;  // host:port
  std::string path = "/v1/traces";
  Encoding encoding = Encoding::kProto;
  bool gzip = false;  // payload bodies are gzip-compressed
  int connections = 2;
  absl::Duration timeout = absl::Seconds(10);
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
};

class HttpTransport final : public Transport {
 public:
  HttpTransport(boost::asio::io_context& io, HttpTransportOptions options);
  ~HttpTransport() override;

  absl::Status Connect(absl::Duration timeout) override;
  int lanes() const override { return options_.connections; }
  void Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) override;
  void Close() override;

 private:
  class Connection;

  boost::asio::io_context& io_;
  HttpTransportOptions options_;
  std::string head_prefix_;  // request line and fixed headers, up to Content-Length
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::vector<std::unique_ptr<Connection>> connections_;
};

}  // namespace weir::loadgen
