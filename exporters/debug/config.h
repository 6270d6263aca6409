// Config of the `debug` exporter, with otelcol's keys and defaults.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <memory>

#include "config/node.h"
#include "exporters/debug/format.h"
#include "pipeline/component.h"

namespace weir::exporters::debug {

struct Config : pipeline::ComponentConfig {
  Verbosity verbosity = Verbosity::kBasic;  // verbosity: basic (default), normal, detailed
  int sampling_initial = 2;     // sampling_initial: batches written each second before sampling
  int sampling_thereafter = 1;  // sampling_thereafter: then every Nth batch of that second
};

// Decodes and validates; problems go to node.diagnostics(). `use_internal_logger` is accepted
// and ignored.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::debug
