// Zipkin's v2 JSON (the body of POST /api/v2/spans, zipkin-api's openapi definition): a JSON
// array of spans, to and from the model (model.h).
//
//   {"traceId":"<16 or 32 hex>","id":"<16 hex>","parentId":"<16 hex>","kind":"CLIENT",
//    "name":"get","timestamp":<µs>,"duration":<µs>,"debug":true,"shared":true,
//    "localEndpoint":{"serviceName":"a","ipv4":"10.0.0.1","ipv6":"::1","port":80},
//    "remoteEndpoint":{...},"annotations":[{"timestamp":<µs>,"value":"ws"}],
//    "tags":{"http.path":"/api"}}
//
// Reading is as lenient as Zipkin's own server where that loses nothing: hex of any case and
// shorter than the full width (left-padded with zeros), a parentId equal to "" or the span's own
// id taken as no parent, kinds in any case (others mean no kind), numbers and booleans as tag
// values (kept as their JSON text), null for any optional field, unknown fields ignored. It
// refuses, naming the span and field: invalid JSON, a body that is not an array of objects,
// missing or zero trace and span ids, ids that are not hex or too long, negative or fractional
// times, annotations without a timestamp or value, tag values that are objects or arrays, IP
// addresses that do not parse, ports outside 0–65535, and strings that are not UTF-8.
//
// Writing follows zipkin-go's field order (traceId, id, parentId, kind, name, timestamp,
// duration, localEndpoint, remoteEndpoint, annotations, tags, debug, shared), omits what is
// absent, writes 16-hex trace ids when the high half is zero, and sorts tags by key.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pipeline/zipkin/model.h"
#include "pipeline/zipkin/span_list.h"

namespace weir::zipkin {

// Parses *json in place into *out (cleared first), whose views point into *json: it must
// outlive them and is rewritten. At most `max_spans` spans are read: more is
// ResourceExhausted. Errors: InvalidArgument "spans[3].traceId: <reason>".
absl::Status DecodeJsonV2(std::string* json, size_t max_spans, SpanList* out);

// The same into the proto model, from a copy of `json`.
absl::Status DecodeJsonV2(std::string_view json, size_t max_spans, model::ListOfSpans* out);

// The JSON array of `spans`.
std::string EncodeJsonV2(const SpanList& spans);
std::string EncodeJsonV2(const model::ListOfSpans& spans);

}  // namespace weir::zipkin
