#include "extensions/weir_admin/config.h"

#include "config/blocks.h"

namespace weir::extensions::weir_admin {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  config::ReadEndpoint(node, "endpoint", &cfg->endpoint);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::extensions::weir_admin
