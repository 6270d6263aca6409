#include "processors/resource/config.h"

namespace weir::processors::resource {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  cfg->actions = pipeline::transform::ReadActions(node, "attributes");
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::resource
