// Jaeger → OTLP: the reverse of from_otlp.h, with the rules of otelcol's translator
// (jaegerproto_to_traces), so spans from Jaeger clients reach an OTLP backend as otelcol would
// deliver them:
//
//   process             the resource: service_name → service.name (none when empty or
//                       "OTLPResourceNoServiceName"), tags →
//                       attributes; a tag "hostname" becomes host.name (unless host.name is
//                       there), "jaeger.version" becomes opencensus.exporterversion =
//                       "Jaeger-<version>"
//   span.process        a span that carries its own process, different from the batch's, gets
//                       a resource of its own
//   otel.scope.name/    the instrumentation scope (also the older otel.library.*); spans of one
//   .version tags       scope share a ScopeSpans, in the order scopes first appear
//   span.kind tag       the kind (client, server, producer, consumer, internal)
//   error tag (bool)    true → STATUS_CODE_ERROR, with otel.status_description (else
//                       http.status_message) as message; it wins over otel.status_code
//   otel.status_code    OK | ERROR (any case) with otel.status_description; without either,
//                       http.status_code (int, integral double or decimal string) decides:
//                       ≥ 500 is an error, and ≥ 400 too unless the span is a server's, with
//                       http.status_message as message
//   w3c.tracestate      trace_state
//   references          the first CHILD_OF reference in the span's trace is the parent (else
//                       the first FOLLOWS_FROM one); every other reference becomes a link
//                       with attribute opentracing.ref_type = child_of | follows_from
//   logs                events: the field "event" is the name (removed from the attributes),
//                       the other fields are attributes
//   flags               1 (sampled) sets the W3C sampled bit of the span's flags; debug is
//                       not carried
//   tag types           STRING, BOOL, INT64, FLOAT64, BINARY keep their type
//   ids, times          trace ids shorter than 16 bytes are left-padded with zeros (64-bit
//                       trace ids); start + duration gives the end time
//
// The tags consumed above (span.kind, error, otel.status_*, w3c.tracestate, otel.scope.*) are
// removed from the attributes; of tags with the same key the last wins. Warnings are dropped.
// Thrift batches (thrift_codec.h) go through the same rules; otelcol's Thrift path leaves
// w3c.tracestate and otel.scope.* as attributes and recognizes no otel.library.* on either.
//
// Threading: stateless; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "pipeline/jaeger/model.h"
#include "pipeline/otlp/types.h"

namespace weir::jaeger {

// Appends the spans of `batch` to *out as one ResourceSpans (more when spans carry processes
// of their own). Strings are moved out of `batch`. Returns InvalidArgument naming the span and
// field, and appends nothing, when an id has a length Jaeger does not define (trace ids 8 or
// 16 bytes, span ids 8).
absl::Status BatchToResourceSpans(model::Batch&& batch, otlp::ExportRequest* out);

}  // namespace weir::jaeger
