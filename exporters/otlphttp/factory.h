// Factory of the `otlphttp` exporter (alias `otlp_http`): OTLP over HTTP/1.1, behind the
// exporter helper's queue, timeout and metrics.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "exporters/otlphttp/config.h"
#include "exporters/otlphttp/exporter.h"
#include "pipeline/factory_template.h"

namespace weir::exporters::otlphttp {

using Factory =
    pipeline::ExporterFactoryFor<"otlphttp", Config, DecodeConfig, Exporter, "otlp_http">;

}  // namespace weir::exporters::otlphttp
