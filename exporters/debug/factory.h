// Factory of the `debug` exporter (see exporter.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/debug/config.h"
#include "exporters/debug/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::debug {

using Factory = pipeline::ExporterFactoryFor<"debug", Config, DecodeConfig, Exporter>;

}  // namespace weir::exporters::debug
