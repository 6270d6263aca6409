// Factory of the `jaeger` receiver.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "receivers/jaeger/config.h"
#include "receivers/jaeger/receiver.h"

namespace weir::receivers::jaeger {

using Factory = pipeline::ReceiverFactoryFor<"jaeger", Config, DecodeConfig, Receiver>;

}  // namespace weir::receivers::jaeger
