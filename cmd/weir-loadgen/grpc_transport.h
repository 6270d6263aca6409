// GrpcTransport: sends pre-encoded export requests as raw bytes over OTLP/gRPC
// (TraceService/Export) through a generic stub, with the callback API.
//
// Each of `connections` channels is its own TCP connection (a unique channel argument and a
// local subchannel pool keep gRPC from sharing them) and carries `inflight` lanes. With gzip the
// payloads are already compressed and are handed to gRPC as compressed messages, so nothing is
// compressed per call.
//
// An UNAVAILABLE or RESOURCE_EXHAUSTED status counts as the collector refusing the request
// when the channel is still connected afterwards; when the channel has lost its connection the
// request counts as failed (a connection error), since gRPC reports both with the same codes.
//
// Threading: see transport.h. gRPC completes calls on its own threads; the results are posted
// to the io_context.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "cmd/weir-loadgen/transport.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"

namespace weir::loadgen {

struct GrpcTransportOptions {
  std::string endpoint;  // host:port
  int connections = 2;
  int inflight = 1;
  bool gzip = false;  // payload bodies are gzip-compressed
  absl::Duration timeout = absl::Seconds(10);
  std::vector<std::pair<std::string, std::string>> metadata;  // sent with every call
};

class GrpcTransport final : public Transport {
 public:
  GrpcTransport(boost::asio::io_context& io, GrpcTransportOptions options);
  ~GrpcTransport() override;

  absl::Status Connect(absl::Duration timeout) override;
  int lanes() const override { return options_.connections * options_.inflight; }
  void Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) override;
  void Close() override;

 private:
  using ByteStub = grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer>;
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<ByteStub> stub;
  };
  struct Call;

  static SendResult Classify(const grpc::Status& status, const grpc::ByteBuffer& response,
                             grpc::Channel& channel);

  boost::asio::io_context& io_;
  GrpcTransportOptions options_;
  const std::string method_;
  std::vector<Connection> connections_;
};

}  // namespace weir::loadgen
