// UdpTransport: sends pre-encoded Jaeger agent datagrams (Payload::datagrams) on connected
// UDP sockets, one per lane. UDP has no answers: a request counts as acknowledged once its
// datagrams are handed to the kernel, and as failed when a send fails (e.g. ECONNREFUSED after
// an ICMP port-unreachable). The collector's drops are visible only in its own metrics and in
// the spans that reach the sink.
//
// Threading: see transport.h.
#pragma once

#include <string>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "cmd/weir-loadgen/transport.h"

namespace weir::loadgen {

class UdpTransport final : public Transport {
 public:
  // `endpoint` is host:port; `lanes` sockets are opened.
  UdpTransport(boost::asio::io_context& io, std::string endpoint, int lanes);
  ~UdpTransport() override;

  absl::Status Connect(absl::Duration timeout) override;
  int lanes() const override { return static_cast<int>(lanes_); }
  void Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) override;
  void Close() override;

 private:
  boost::asio::io_context& io_;
  const std::string endpoint_;
  const size_t lanes_;
  std::vector<int> fds_;
};

}  // namespace weir::loadgen
