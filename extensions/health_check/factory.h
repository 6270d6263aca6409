// Factory of the `health_check` extension (see health_check.h).
//
// Threading: immutable; used from the control thread.
#pragma once

#include "extensions/health_check/config.h"
#include "extensions/health_check/health_check.h"
#include "pipeline/factory_template.h"

namespace weir::extensions::health_check {

using Factory = pipeline::ExtensionFactoryFor<"health_check", Config, DecodeConfig, HealthCheck>;

}  // namespace weir::extensions::health_check
