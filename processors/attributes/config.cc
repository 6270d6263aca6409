#include "processors/attributes/config.h"

namespace weir::processors::attributes {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  cfg->actions = pipeline::transform::ReadActions(node, "actions");
  cfg->matcher = pipeline::transform::SpanMatcher::Read(node);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::attributes
