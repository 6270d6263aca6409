// Config of the `nop` exporter: it has no keys.
//
// Threading: immutable.
#pragma once

#include <memory>

#include "config/node.h"
#include "pipeline/component.h"

namespace weir::exporters::nop {

struct Config : pipeline::ComponentConfig {};

// Rejects every key (with its path in node.diagnostics()).
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::nop
