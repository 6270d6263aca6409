// Span generators for tests: deterministic OTLP requests with every field set.
#pragma once

#include <cstdint>

#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"

namespace weir::testing {

// A request with `resources` resources × `scopes` scopes × `spans` spans each. Every span has
// distinct ids, every attribute value type (string, bool, int, double, array, kvlist, bytes),
// an event, a link and a status. `seed` varies the ids and names.
otlp::ExportRequest MakeRequest(int resources, int scopes, int spans, uint64_t seed = 1);

// A batch of `spans` spans in one resource and scope.
pipeline::TraceBatch MakeBatch(int spans, uint64_t seed = 1);

}  // namespace weir::testing
