#include "receivers/jaeger/receiver.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pipeline/auth.h"
#include "pipeline/clock.h"
#include "prometheus/counter.h"
#include "receivers/helper/delivery.h"
#include "receivers/helper/http_auth.h"
#include "receivers/helper/http_body.h"
#include "receivers/jaeger/delivery.h"
#include "receivers/jaeger/grpc_service.h"
#include "receivers/jaeger/http_handler.h"
#include "receivers/jaeger/udp_server.h"

namespace weir::receivers::jaeger {

struct Receiver::Udp {
  Udp(telemetry::Telemetry& telemetry, const std::string& id, const std::string& transport)
      : metrics(telemetry, id, transport) {
    auto& family = prometheus::BuildCounter()
                       .Name("weir_receiver_udp_dropped_datagrams")
                       .Help("UDP datagrams a receiver dropped, by reason")
                       .Register(telemetry.registry());
    auto add = [&](const char* reason) {
      return &family.Add({{"receiver", id}, {"transport", transport}, {"reason", reason}});
    };
    queue_full = add("queue_full");
    too_large = add("too_large");
    malformed = add("malformed");
    refused = add("refused");
  }
  telemetry::ReceiverMetrics metrics;
  // weir_receiver_udp_dropped_datagrams by reason; fixed after construction, so the worker
  // threads only increment them.
  prometheus::Counter* queue_full;
  prometheus::Counter* too_large;
  prometheus::Counter* malformed;
  prometheus::Counter* refused;
  std::unique_ptr<UdpServer> server;
};

Receiver::Receiver(const pipeline::Settings& settings, const Config& config,
                   pipeline::TracesConsumer& next)
    : id_(settings.id.ToString()),
      config_(config),
      next_(next),
      telemetry_(*settings.telemetry),
      grpc_metrics_(*settings.telemetry, id_, "grpc"),
      http_metrics_(*settings.telemetry, id_, "collector_http"),
      io_(*settings.io) {}

Receiver::~Receiver() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status Receiver::StartUdp(const UdpConfig& config, weir::jaeger::ThriftProtocol protocol,
                                std::unique_ptr<Udp>* out) {
  const bool compact = protocol == weir::jaeger::ThriftProtocol::kCompact;
  const std::string transport = compact ? "udp_thrift_compact" : "udp_thrift_binary";
  auto udp = std::make_unique<Udp>(telemetry_, id_, transport);
  Udp* state = udp.get();
  auto handler = [this, state, protocol, transport](absl::string_view datagram,
                                                    absl::string_view client) {
    pipeline::RequestContext context;
    context.received_at_ns = pipeline::SteadyNowNs();
    context.client_address = std::string(client);
    if (!helper::AdmitRequest(datagram.size(), state->metrics, kComponent).ok()) {
      state->refused->Increment();
      return;
    }
    weir::jaeger::thrift_view::Batch batch;
    absl::Status read = weir::jaeger::thrift_view::ReadAgentDatagram(datagram, protocol, &batch);
    if (absl::IsResourceExhausted(read)) {
      state->refused->Increment();
      return;
    }
    if (!read.ok()) {
      state->malformed->Increment();
      state->metrics.RefusedRequest();
      bad_request_log_.Warn(kComponent, "%s: dropped a datagram from %s: %s", transport, client,
                            absl::CHexEscape(read.message().substr(0, 200)));
      return;
    }
    helper::Outcome outcome = DeliverThriftBatch(context, batch, next_, state->metrics);
    if (!outcome.status.ok()) {
      (absl::IsInvalidArgument(outcome.status) ? state->malformed : state->refused)->Increment();
      bad_request_log_.Warn(kComponent, "%s: dropped a batch from %s: %s", transport, client,
                            outcome.status.message());
    }
  };
  udp->server = std::make_unique<UdpServer>(absl::StrCat(id_, " ", transport), config,
                                            std::move(handler), udp->queue_full, udp->too_large);
  if (absl::Status s = udp->server->Start(); !s.ok()) return s;
  log::Info(kComponent, "%s: Jaeger agent (Thrift %s over UDP) listening on %s", id_,
            compact ? "compact" : "binary", udp->server->address());
  *out = std::move(udp);
  return absl::OkStatus();
}

absl::Status Receiver::Start(pipeline::Host& host) {
  const pipeline::ServerAuthenticator* grpc_auth = nullptr;
  const pipeline::ServerAuthenticator* http_auth = nullptr;
  if (config_.grpc) {
    auto found =
        helper::FindAuthenticator(host, config_.grpc->auth, "protocols.grpc.auth.authenticator");
    if (!found.ok()) return found.status();
    grpc_auth = *found;
  }
  if (config_.thrift_http) {
    auto found = helper::FindAuthenticator(host, config_.thrift_http->auth,
                                           "protocols.thrift_http.auth.authenticator");
    if (!found.ok()) return found.status();
    http_auth = *found;
  }
  if (config_.grpc) {
    auto server = std::make_unique<GrpcServer>(*config_.grpc, next_, grpc_metrics_,
                                               bad_request_log_, grpc_auth, auth_log_);
    if (absl::Status s = server->Start(); !s.ok()) return s;
    grpc_server_ = std::move(server);
    log::Info(kComponent, "%s: Jaeger gRPC listening on %s%s", id_, grpc_server_->address(),
              config_.grpc->tls ? " (TLS)" : "");
  }
  if (config_.thrift_http) {
    const HttpConfig& h = *config_.thrift_http;
    net::HttpServerOptions options;
    options.endpoint = h.endpoint;
    options.max_body_bytes = static_cast<size_t>(h.max_request_body_size);
    options.name = id_ + " thrift_http";
    http_handler_ = std::make_unique<HttpHandler>(h, next_, http_metrics_, bad_request_log_,
                                                  http_auth, auth_log_);
    if (http_auth != nullptr) {
      options.header_check = [handler = http_handler_.get()](
                                 const boost::beast::http::request_header<>& header,
                                 absl::string_view client_address) {
        return handler->CheckCredentials(header, client_address);
      };
    }
    auto server =
        helper::StartHttpServer(io_, std::move(options), h.tls,
                                [handler = http_handler_.get()](net::HttpRequest& request,
                                                                absl::string_view client_address) {
                                  return handler->Handle(request, client_address);
                                });
    if (!server.ok()) {
      Shutdown(absl::Now());
      return server.status();
    }
    http_server_ = *std::move(server);
    log::Info(kComponent, "%s: Jaeger Thrift over HTTP listening on %s (POST /api/traces%s)", id_,
              http_server_->bound_address(), h.tls ? ", TLS" : "");
  }
  if (config_.thrift_compact) {
    if (absl::Status s =
            StartUdp(*config_.thrift_compact, weir::jaeger::ThriftProtocol::kCompact, &compact_);
        !s.ok()) {
      Shutdown(absl::Now());
      return s;
    }
  }
  if (config_.thrift_binary) {
    if (absl::Status s =
            StartUdp(*config_.thrift_binary, weir::jaeger::ThriftProtocol::kBinary, &binary_);
        !s.ok()) {
      Shutdown(absl::Now());
      return s;
    }
  }
  return absl::OkStatus();
}

std::string Receiver::grpc_address() const { return grpc_server_ ? grpc_server_->address() : ""; }
std::string Receiver::http_address() const {
  return http_server_ ? http_server_->bound_address() : "";
}
std::string Receiver::compact_address() const {
  return compact_ ? compact_->server->address() : "";
}
std::string Receiver::binary_address() const { return binary_ ? binary_->server->address() : ""; }

void Receiver::Shutdown(absl::Time deadline) {
  if (stopped_) return;
  stopped_ = true;
  if (compact_) compact_->server->Shutdown(deadline);
  if (binary_) binary_->server->Shutdown(deadline);
  if (http_server_) http_server_->Shutdown(deadline);
  if (grpc_server_) grpc_server_->Shutdown(deadline);
}

}  // namespace weir::receivers::jaeger
