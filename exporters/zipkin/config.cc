#include "exporters/zipkin/config.h"

#include "absl/strings/str_cat.h"

namespace weir::exporters::zipkin {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (node.ReadRequired("endpoint", &cfg->endpoint)) {
    std::string error;
    if (!helper::ParseUrl(cfg->endpoint, &cfg->url, &error)) {
      node.ErrorAt("endpoint", error);
    } else if (cfg->url.target == "/") {
      cfg->url.target = "/api/v2/spans";
    }
  }
  std::string format = "json";
  node.Read("format", &format);
  if (format == "json") {
    cfg->format = Format::kJson;
  } else if (format == "proto") {
    cfg->format = Format::kProto;
  } else {
    node.ErrorAt("format", absl::StrCat("\"", format, "\" is not one of json or proto"));
  }
  node.Read("default_service_name", &cfg->default_service_name);
  cfg->tls.Decode(node.Child("tls"));
  cfg->headers.Decode(node, config::HeaderSyntax::kHttp);
  cfg->compression.algorithm = config::Compression::kNone;
  cfg->compression.Decode(node);
  if (node.Has("auth")) cfg->auth.emplace().Decode(node.Child("auth"));
  helper::DecodeExporterOptions(node, &cfg->exporter);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::zipkin
