// Factory of the `nop` exporter (see exporter.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/nop/config.h"
#include "exporters/nop/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::nop {

using Factory = pipeline::ExporterFactoryFor<"nop", Config, DecodeConfig, Exporter>;

}  // namespace weir::exporters::nop
