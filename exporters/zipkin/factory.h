// Factory of the `zipkin` exporter: spans to a Zipkin server as v2 JSON or protobuf.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/zipkin/config.h"
#include "exporters/zipkin/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::zipkin {

using Factory = pipeline::ExporterFactoryFor<"zipkin", Config, DecodeConfig, Exporter>;

}  // namespace weir::exporters::zipkin
