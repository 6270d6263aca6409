#include "receivers/otlp/config.h"

#include "absl/strings/match.h"
#include "config/blocks.h"

namespace weir::receivers::otlp {
namespace {

// Keys otelcol accepts that weir reads but does not act on (their defaults are fine).
constexpr const char* kIgnoredGrpcKeys[] = {"read_buffer_size", "write_buffer_size", "keepalive"};
constexpr const char* kIgnoredHttpKeys[] = {"response_headers", "compression_algorithms"};

void RejectUnsupported(config::Node& node, const char* key, const char* why) {
  if (node.Child(key).IsSet()) node.ErrorAt(key, why);
}

}  // namespace

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (!node.IsSet()) {
    cfg->grpc.emplace();
    cfg->http.emplace();
    return cfg;
  }
  config::Node protocols = node.Child("protocols");
  if (protocols.Has("grpc")) {
    GrpcConfig& g = cfg->grpc.emplace();
    config::Node n = protocols.Child("grpc");
    config::ReadEndpoint(n, "endpoint", &g.endpoint);
    if (n.Read("max_recv_msg_size_mib", &g.max_recv_msg_size_mib) &&
        (g.max_recv_msg_size_mib < 1 || g.max_recv_msg_size_mib > 2047)) {
      n.ErrorAt("max_recv_msg_size_mib", "must be between 1 and 2047");
    }
    if (n.Read("max_concurrent_streams", &g.max_concurrent_streams) &&
        g.max_concurrent_streams < 0) {
      n.ErrorAt("max_concurrent_streams", "must not be negative");
    }
    std::string transport = "tcp";
    if (n.Read("transport", &transport) && transport != "tcp") {
      n.ErrorAt("transport", "only tcp is supported");
    }
    n.Read("include_metadata", &g.include_metadata);
    for (const char* key : kIgnoredGrpcKeys) n.Child(key);
    if (n.Has("tls")) g.tls.emplace().Decode(n.Child("tls"));
    if (n.Has("auth")) g.auth.emplace().Decode(n.Child("auth"));
    n.RejectUnknownKeys();
  }
  if (protocols.Has("http")) {
    HttpConfig& h = cfg->http.emplace();
    config::Node n = protocols.Child("http");
    config::ReadEndpoint(n, "endpoint", &h.endpoint);
    if (n.Read("traces_url_path", &h.traces_url_path) &&
        !absl::StartsWith(h.traces_url_path, "/")) {
      n.ErrorAt("traces_url_path", "must start with /");
    }
    if (n.Read("max_request_body_size", &h.max_request_body_size) && h.max_request_body_size < 1) {
      n.ErrorAt("max_request_body_size", "must be greater than 0");
    }
    for (const char* key : {"metrics_url_path", "logs_url_path"}) {
      std::string ignored;
      n.Read(key, &ignored);
    }
    n.Read("include_metadata", &h.include_metadata);
    n.Read("read_header_timeout", &h.read_header_timeout);
    n.Read("read_timeout", &h.read_timeout);
    n.Read("write_timeout", &h.write_timeout);
    n.Read("idle_timeout", &h.idle_timeout);
    n.Read("keep_alives_enabled", &h.keep_alives_enabled);
    for (const char* key : kIgnoredHttpKeys) n.Child(key);
    if (n.Has("tls")) h.tls.emplace().Decode(n.Child("tls"));
    if (n.Has("auth")) h.auth.emplace().Decode(n.Child("auth"));
    RejectUnsupported(n, "cors", "CORS is not supported yet");
    n.RejectUnknownKeys();
  }
  if (!cfg->grpc && !cfg->http) {
    protocols.Error("must enable at least one protocol: grpc or http");
  }
  protocols.RejectUnknownKeys();
  node.RejectUnknownKeys();
  return cfg;
}

std::vector<std::string> Config::ListenEndpoints() const {
  std::vector<std::string> out;
  if (grpc) out.push_back(grpc->endpoint);
  if (http) out.push_back(http->endpoint);
  return out;
}

std::vector<pipeline::AuthReference> Config::AuthReferences() const {
  std::vector<pipeline::AuthReference> out;
  if (grpc && grpc->auth) out.push_back({*grpc->auth, /*server=*/true});
  if (http && http->auth) out.push_back({*http->auth, /*server=*/true});
  return out;
}

}  // namespace weir::receivers::otlp
