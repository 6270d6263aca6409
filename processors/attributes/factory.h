// Factory of the `attributes` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/attributes/config.h"
#include "processors/attributes/processor.h"

namespace weir::processors::attributes {

using Factory = pipeline::ProcessorFactoryFor<"attributes", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::attributes
