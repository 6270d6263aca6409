// Factory of the `tail_sampling` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/processor.h"

namespace weir::processors::tail_sampling {

using Factory = pipeline::ProcessorFactoryFor<"tail_sampling", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::tail_sampling
