// Factory of the `zipkin` receiver.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "receivers/zipkin/config.h"
#include "receivers/zipkin/receiver.h"

namespace weir::receivers::zipkin {

using Factory = pipeline::ReceiverFactoryFor<"zipkin", Config, DecodeConfig, Receiver>;

}  // namespace weir::receivers::zipkin
