// Factory of the `otlp` receiver.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/receiver.h"

namespace weir::receivers::otlp {

using Factory = pipeline::ReceiverFactoryFor<"otlp", Config, DecodeConfig, Receiver>;

}  // namespace weir::receivers::otlp
