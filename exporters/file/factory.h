// Factory of the `file` exporter (see exporter.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/file/config.h"
#include "exporters/file/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::file {

using Factory = pipeline::ExporterFactoryFor<"file", Config, DecodeConfig, Exporter>;

}  // namespace weir::exporters::file
