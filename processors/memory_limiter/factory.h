// Factory of the `memory_limiter` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/memory_limiter/config.h"
#include "processors/memory_limiter/processor.h"

namespace weir::processors::memory_limiter {

using Factory = pipeline::ProcessorFactoryFor<"memory_limiter", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::memory_limiter
