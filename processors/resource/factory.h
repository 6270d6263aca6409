// Factory of the `resource` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/resource/config.h"
#include "processors/resource/processor.h"

namespace weir::processors::resource {

using Factory = pipeline::ProcessorFactoryFor<"resource", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::resource
