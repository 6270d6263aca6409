// Config of the `attributes` processor: otelcol's keys (actions, include, exclude).
#pragma once

#include <memory>
#include <vector>

#include "config/node.h"
#include "pipeline/component.h"
#include "pipeline/transform/attribute_actions.h"
#include "pipeline/transform/span_match.h"

namespace weir::processors::attributes {

struct Config : pipeline::ComponentConfig {
  // actions: run in order on each span's attributes (required).
  std::vector<pipeline::transform::AttributeAction> actions;
  // include / exclude: which spans the actions apply to (all when neither is set).
  pipeline::transform::SpanMatcher matcher;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::processors::attributes
