// Config of the `resource` processor: otelcol's key (attributes).
#pragma once

#include <memory>
#include <vector>

#include "config/node.h"
#include "pipeline/component.h"
#include "pipeline/transform/attribute_actions.h"

namespace weir::processors::resource {

struct Config : pipeline::ComponentConfig {
  // attributes: actions run in order on each resource's attributes (required).
  std::vector<pipeline::transform::AttributeAction> actions;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::processors::resource
