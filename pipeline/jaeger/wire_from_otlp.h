// OTLP → Jaeger api_v2 on the wire: the PostSpansRequest of each resource of a batch, written
// straight from the batch's bytes (spans read with SpanView) with the mapping of from_otlp.h,
// without decoding OTLP messages or building api_v2 ones. The bytes are exactly those
// protobuf's serializer writes for ResourceSpansToBatch's result (from_otlp.h is the oracle
// the tests compare with).
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "pipeline/trace_batch.h"

namespace weir::jaeger {

// Calls send(request) with the encoded PostSpansRequest{batch} of each resource of `batch`
// that holds spans, in order, until one fails; returns that failure, or OK.
absl::Status ForEachPostSpansRequest(const pipeline::TraceBatch& batch,
                                     absl::FunctionRef<absl::Status(std::string&&)> send);

}  // namespace weir::jaeger
