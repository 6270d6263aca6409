// Zipkin's v1 API (POST /api/v1/spans), read into the v2 model (model.h) the way Zipkin's own
// server converts it (V1SpanConverter), so v1 spans then follow the v2 mapping to OTLP:
//
//   JSON    [{"traceId","name","id","parentId","timestamp","duration","debug",
//             "annotations":[{"timestamp","value","endpoint":{...}}],
//             "binaryAnnotations":[{"key","value","endpoint":{...}}]}]
//   Thrift  a binary-protocol list<zipkincore.Span> (Content-Type application/x-thrift)
//
// The conversion:
//   kind            from the first core annotation: cs / cr → CLIENT, sr / ss → SERVER,
//                   ms → PRODUCER, mr → CONSUMER
//   localEndpoint   the endpoint of the core annotations (the first that names a service), else
//                   of any annotation or binary annotation that names one
//   remoteEndpoint  the endpoint of the binary annotation sa (client, producer), ca (server,
//                   consumer) or ma (messaging); its value (true) is not a tag
//   timestamp,      the span's own when set; else from its annotations: the first core start
//   duration        annotation (cs, sr, ms, mr) to the matching end one (cr, ss), or the
//                   earliest to the latest annotation
//   annotations     every annotation that is not a core one, in order
//   tags            every other binary annotation: strings as they are, JSON booleans and
//                   numbers as their text; Thrift values by annotation_type (BOOL "true" /
//                   "false", BYTES base64, I16 / I32 / I64 big-endian signed decimal, DOUBLE as
//                   ECMAScript prints it, STRING as is)
//
// Where weir differs from otelcol's v1 translator: JSON binary annotations may be booleans and
// numbers (zipkin-js writes "sa": true, which otelcol refuses with 400); ca / sa / ma give the
// remote endpoint instead of attributes; Thrift ports above 32767 and negative I16 / I32 values
// read as Zipkin means them (otelcol sign-extends ports and reads integers as unsigned);
// census.* and http.status_code tags are not turned into a status (they stay attributes).
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "pipeline/zipkin/model.h"

namespace weir::zipkin {

// Parses a v1 JSON array into *out (cleared first). More than `max_spans` spans is
// ResourceExhausted. Errors: InvalidArgument "spans[3].binaryAnnotations[1].key: required".
absl::Status DecodeJsonV1(std::string_view json, size_t max_spans, model::ListOfSpans* out);

// Parses a binary-Thrift list of v1 spans into *out (cleared first). Lists are bounded by the
// input's size and the memory budget (pipeline/thrift/bounded.h: over the budget is the
// retryable OverBudget); more than `max_spans` spans is ResourceExhausted.
absl::Status DecodeThriftV1(std::string_view body, size_t max_spans, model::ListOfSpans* out);

}  // namespace weir::zipkin
