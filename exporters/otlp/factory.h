// Factory of the `otlp` exporter (alias `otlp_grpc`): OTLP over gRPC, behind the exporter
// helper's queue, timeout and metrics.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/otlp/config.h"
#include "exporters/otlp/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::otlp {

using Factory = pipeline::ExporterFactoryFor<"otlp", Config, DecodeConfig, Exporter, "otlp_grpc">;

}  // namespace weir::exporters::otlp
