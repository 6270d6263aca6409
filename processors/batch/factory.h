// Factory of the `batch` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/batch/config.h"
#include "processors/batch/processor.h"

namespace weir::processors::batch {

using Factory = pipeline::ProcessorFactoryFor<"batch", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::batch
