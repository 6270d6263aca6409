// Factory of the `redaction` processor.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory_template.h"
#include "processors/redaction/config.h"
#include "processors/redaction/processor.h"

namespace weir::processors::redaction {

using Factory = pipeline::ProcessorFactoryFor<"redaction", Config, DecodeConfig, Processor>;

}  // namespace weir::processors::redaction
