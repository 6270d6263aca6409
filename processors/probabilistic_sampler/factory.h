// Factory of the `probabilistic_sampler` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/probabilistic_sampler/config.h"
#include "processors/probabilistic_sampler/processor.h"

namespace weir::processors::probabilistic_sampler {

using Factory =
    pipeline::ProcessorFactoryFor<"probabilistic_sampler", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::probabilistic_sampler
