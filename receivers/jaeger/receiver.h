// The `jaeger` receiver: spans from Jaeger clients, agents and collectors, over the four
// protocols a Jaeger collector and agent serve (config.h), translated to OTLP
// (pipeline/jaeger) and handed to the pipeline as any OTLP request is, with the same limits,
// metrics and pushback: gRPC RESOURCE_EXHAUSTED / UNAVAILABLE with RetryInfo and HTTP 429 / 503
// with Retry-After when the pipeline or the memory budget refuses. UDP cannot push back:
// datagrams that cannot be taken are dropped and counted (weir_receiver_udp_dropped_datagrams
// {reason=queue_full|too_large|malformed|refused}).
//
// Metrics per protocol carry otelcol's transport names: grpc, collector_http,
// udp_thrift_compact, udp_thrift_binary.
//
// Threading: as the servers it owns (grpc_service.h, http_handler.h, udp_server.h).
#pragma once

#include <memory>
#include <string>

#include "pipeline/component.h"
#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/jaeger/config.h"

namespace weir::receivers::jaeger {

class GrpcServer;
class HttpHandler;
class UdpServer;

class Receiver final : public pipeline::Component {
 public:
  Receiver(const pipeline::Settings& settings, const Config& config,
           pipeline::TracesConsumer& next);
  ~Receiver() override;

  // Resolves the authenticators (errors name the key), then listens on every protocol.
  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;

  // Bound addresses, valid after Start; "" for a protocol that is off.
  std::string grpc_address() const;
  std::string http_address() const;
  std::string compact_address() const;
  std::string binary_address() const;

 private:
  // The per-protocol state of one agent port.
  struct Udp;
  absl::Status StartUdp(const UdpConfig& config, weir::jaeger::ThriftProtocol protocol,
                        std::unique_ptr<Udp>* out);

  std::string id_;
  Config config_;
  pipeline::TracesConsumer& next_;
  telemetry::Telemetry& telemetry_;
  telemetry::ReceiverMetrics grpc_metrics_;
  telemetry::ReceiverMetrics http_metrics_;
  log::RateLimited bad_request_log_;
  log::RateLimited auth_log_;
  std::unique_ptr<GrpcServer> grpc_server_;
  std::unique_ptr<HttpHandler> http_handler_;
  std::unique_ptr<net::HttpServer> http_server_;
  std::unique_ptr<Udp> compact_;
  std::unique_ptr<Udp> binary_;
  boost::asio::io_context& io_;
  bool stopped_ = false;
};

}  // namespace weir::receivers::jaeger
