#include "extensions/health_check/config.h"

#include "absl/strings/match.h"
#include "config/blocks.h"

namespace weir::extensions::health_check {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  config::ReadEndpoint(node, "endpoint", &cfg->endpoint);
  if (node.Read("path", &cfg->path) && !absl::StartsWith(cfg->path, "/")) {
    node.ErrorAt("path", "must start with /");
  }
  // otelcol keys weir accepts without acting on them.
  node.Child("check_collector_pipeline");
  node.Child("response_body");
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::extensions::health_check
