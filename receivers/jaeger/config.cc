#include "receivers/jaeger/config.h"

#include "absl/strings/str_cat.h"

namespace weir::receivers::jaeger {
namespace {

void DecodeUdp(config::Node n, UdpConfig* u) {
  config::ReadEndpoint(n, "endpoint", &u->endpoint);
  if (n.Read("queue_size", &u->queue_size) && u->queue_size < 1) {
    n.ErrorAt("queue_size", "must be at least 1");
  }
  if (n.Read("max_packet_size", &u->max_packet_size) &&
      (u->max_packet_size < 1 || u->max_packet_size > 65535)) {
    n.ErrorAt("max_packet_size", "must be from 1 to 65535 (the largest UDP datagram)");
  }
  if (n.Read("workers", &u->workers) && (u->workers < 1 || u->workers > 256)) {
    n.ErrorAt("workers", "must be from 1 to 256");
  }
  if (n.Read("socket_buffer_size", &u->socket_buffer_size) && u->socket_buffer_size < 0) {
    n.ErrorAt("socket_buffer_size", "must not be negative");
  }
  n.RejectUnknownKeys();
}

}  // namespace

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  config::Node protocols = node.Child("protocols");
  if (protocols.Has("grpc")) {
    GrpcConfig& g = cfg->grpc.emplace();
    config::Node n = protocols.Child("grpc");
    config::ReadEndpoint(n, "endpoint", &g.endpoint);
    if (n.Read("max_recv_msg_size_mib", &g.max_recv_msg_size_mib) &&
        (g.max_recv_msg_size_mib < 1 || g.max_recv_msg_size_mib > 2047)) {
      n.ErrorAt("max_recv_msg_size_mib", "must be between 1 and 2047");
    }
    n.Read("include_metadata", &g.include_metadata);
    for (const char* key :
         {"read_buffer_size", "write_buffer_size", "keepalive", "max_concurrent_streams"}) {
      n.Child(key);  // otelcol's gRPC server keys whose defaults weir keeps
    }
    if (n.Has("tls")) g.tls.emplace().Decode(n.Child("tls"));
    if (n.Has("auth")) g.auth.emplace().Decode(n.Child("auth"));
    n.RejectUnknownKeys();
  }
  if (protocols.Has("thrift_http")) {
    HttpConfig& h = cfg->thrift_http.emplace();
    config::Node n = protocols.Child("thrift_http");
    config::ReadEndpoint(n, "endpoint", &h.endpoint);
    if (n.Read("max_request_body_size", &h.max_request_body_size) && h.max_request_body_size < 1) {
      n.ErrorAt("max_request_body_size", "must be greater than 0");
    }
    n.Read("include_metadata", &h.include_metadata);
    if (n.Has("tls")) h.tls.emplace().Decode(n.Child("tls"));
    if (n.Has("auth")) h.auth.emplace().Decode(n.Child("auth"));
    if (n.Child("cors").IsSet()) n.ErrorAt("cors", "CORS is not supported yet");
    n.RejectUnknownKeys();
  }
  if (protocols.Has("thrift_compact")) {
    UdpConfig& u = cfg->thrift_compact.emplace();
    u.endpoint = "localhost:6831";
    DecodeUdp(protocols.Child("thrift_compact"), &u);
  }
  if (protocols.Has("thrift_binary")) {
    UdpConfig& u = cfg->thrift_binary.emplace();
    u.endpoint = "localhost:6832";
    DecodeUdp(protocols.Child("thrift_binary"), &u);
  }
  if (!cfg->grpc && !cfg->thrift_http && !cfg->thrift_compact && !cfg->thrift_binary) {
    protocols.Error(
        "must enable at least one protocol: grpc, thrift_http, thrift_compact or thrift_binary");
  }
  protocols.RejectUnknownKeys();
  node.RejectUnknownKeys();
  return cfg;
}

std::vector<std::string> Config::ListenEndpoints() const {
  std::vector<std::string> out;
  if (grpc) out.push_back(grpc->endpoint);
  if (thrift_http) out.push_back(thrift_http->endpoint);
  return out;
}

std::vector<pipeline::AuthReference> Config::AuthReferences() const {
  std::vector<pipeline::AuthReference> out;
  if (grpc && grpc->auth) out.push_back({*grpc->auth, /*server=*/true});
  if (thrift_http && thrift_http->auth) out.push_back({*thrift_http->auth, /*server=*/true});
  return out;
}

}  // namespace weir::receivers::jaeger
