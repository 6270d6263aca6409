// Rejecting individual spans that no backend can store: a trace id that is not 16 bytes, a
// span id that is not 8 bytes, either all zeros, or a parent span id that is neither empty nor
// 8 bytes. The rest of the request is kept; the sender learns the count through OTLP's
// partial_success.
#pragma once

#include <cstddef>
#include <string>

#include "pipeline/trace_batch.h"

namespace weir::receivers::helper {

// Removes invalid spans from `batch`. Returns how many were removed and, when any were, sets
// *reason to a description of the first one.
size_t RemoveInvalidSpans(pipeline::TraceBatch& batch, std::string* reason);

}  // namespace weir::receivers::helper
