// Text renderings of a batch for the debug exporter, one per verbosity level.
#pragma once

#include <string>

#include "pipeline/trace_batch.h"

namespace weir::exporters::debug {

enum class Verbosity { kBasic, kNormal, kDetailed };

// basic: one summary line. normal: a line per resource, scope and span. detailed: every field
// of every span, attribute and event. Each returned string ends with a newline.
std::string FormatBatch(const pipeline::TraceBatch& batch, Verbosity verbosity);

// The value of an attribute as text: strings as is, arrays as [..], maps as {k:v}, bytes hex.
std::string FormatAnyValue(const otlp::AnyValue& value);

}  // namespace weir::exporters::debug
