// Config of the `filter` processor: otelcol's keys for traces (error_mode, traces.span,
// traces.spanevent, and the legacy spans.include / spans.exclude).
#pragma once

#include <memory>
#include <vector>

#include "config/node.h"
#include "pipeline/component.h"
#include "pipeline/ottl/condition.h"
#include "pipeline/transform/span_match.h"

namespace weir::processors::filter {

struct Config : pipeline::ComponentConfig {
  // error_mode: a condition that fails to evaluate counts as false and is logged (ignore),
  // counts as false quietly (silent), or refuses the batch (propagate). Default ignore.
  pipeline::ottl::ErrorMode error_mode = pipeline::ottl::ErrorMode::kIgnore;
  // traces.span: a span is dropped when any of these holds.
  std::vector<pipeline::ottl::Condition> span;
  // traces.spanevent: an event of a kept span is dropped when any of these holds.
  std::vector<pipeline::ottl::Condition> spanevent;
  // spans.include / spans.exclude (legacy): spans not included, or excluded, are dropped.
  pipeline::transform::SpanMatcher legacy;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

// ignore, silent or propagate.
bool ParseErrorMode(absl::string_view text, pipeline::ottl::ErrorMode* out);

}  // namespace weir::processors::filter
