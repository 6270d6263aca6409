// Factory of the `filter` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/filter/config.h"
#include "processors/filter/processor.h"

namespace weir::processors::filter {

using Factory = pipeline::ProcessorFactoryFor<"filter", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::filter
