// Factory of the `jaeger` exporter: spans to a Jaeger collector over gRPC or Thrift/HTTP.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/jaeger/config.h"
#include "exporters/jaeger/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::jaeger {

using Factory = pipeline::ExporterFactoryFor<"jaeger", Config, DecodeConfig, Exporter>;

}  // namespace weir::exporters::jaeger
