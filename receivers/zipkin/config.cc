#include "receivers/zipkin/config.h"

namespace weir::receivers::zipkin {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  config::ReadEndpoint(node, "endpoint", &cfg->endpoint);
  node.Read("parse_string_tags", &cfg->parse_string_tags);
  if (node.Read("max_request_body_size", &cfg->max_request_body_size) &&
      cfg->max_request_body_size < 1) {
    node.ErrorAt("max_request_body_size", "must be greater than 0");
  }
  node.Read("include_metadata", &cfg->include_metadata);
  if (node.Has("tls")) cfg->tls.emplace().Decode(node.Child("tls"));
  if (node.Has("auth")) cfg->auth.emplace().Decode(node.Child("auth"));
  if (node.Child("cors").IsSet()) node.ErrorAt("cors", "CORS is not supported yet");
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::receivers::zipkin
