#include "exporters/jaeger/config.h"

#include "absl/strings/str_cat.h"

namespace weir::exporters::jaeger {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  std::string protocol = "grpc";
  node.Read("protocol", &protocol);
  if (protocol == "grpc") {
    cfg->protocol = Protocol::kGrpc;
    cfg->grpc.compression.algorithm = config::Compression::kNone;
    helper::DecodeGrpcClientConfig(node, &cfg->grpc);
  } else if (protocol == "thrift_http") {
    cfg->protocol = Protocol::kThriftHttp;
    if (node.ReadRequired("endpoint", &cfg->endpoint)) {
      std::string error;
      if (!helper::ParseUrl(cfg->endpoint, &cfg->url, &error)) {
        node.ErrorAt("endpoint", error);
      } else if (cfg->url.target == "/") {
        cfg->url.target = "/api/traces";
      }
    }
    cfg->tls.Decode(node.Child("tls"));
    cfg->headers.Decode(node, config::HeaderSyntax::kHttp);
    cfg->compression.algorithm = config::Compression::kNone;
    cfg->compression.Decode(node);
    if (node.Has("auth")) cfg->auth.emplace().Decode(node.Child("auth"));
  } else {
    node.ErrorAt("protocol",
                 absl::StrCat("unknown protocol \"", protocol, "\"; expected grpc or thrift_http"));
  }
  helper::DecodeExporterOptions(node, &cfg->exporter);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::jaeger
