// OTLP → Jaeger: one Jaeger Batch per OTLP ResourceSpans, with the mapping of otelcol's
// translator (pkg/translator/jaeger), so a Jaeger backend shows what it would show behind
// otelcol:
//
//   resource            Batch.process: service.name → service_name (missing or empty →
//                       "OTLPResourceNoServiceName"; otelcol leaves it empty when the
//                       resource has other attributes), every other attribute → process tags
//   scope               span tags otel.scope.name, otel.scope.version (when not empty)
//   attributes          span tags, in order, after the scope tags; string, bool, int, double
//                       and bytes keep their type, arrays and maps become JSON strings
//   kind                tag span.kind = client | server | producer | consumer | internal
//   status              tag otel.status_code = OK | ERROR, ERROR also error = true (bool);
//                       a message → otel.status_description
//   trace_state         tag w3c.tracestate
//   parent_span_id      the first reference, CHILD_OF
//   links               FOLLOWS_FROM references (CHILD_OF when the link's attribute
//                       opentracing.ref_type is "child_of"); a link to the parent sets the
//                       parent reference's type instead. Link attributes and trace state are
//                       not carried (Jaeger references have no room for them).
//   events              logs: timestamp, then field event = name (unless an attribute named
//                       event exists), then the attributes
//   ids, times          16-byte trace id and 8-byte span id as they are; start_time from
//                       start_time_unix_nano, duration = end − start
//   flags               1 (sampled) when the W3C sampled bit of the span's flags is set, and
//                       when the flags are 0 (not set by the sender: what was exported was
//                       sampled; otelcol writes 0 then); else 0
//
// Dropped-attribute, dropped-event and dropped-link counts and schema URLs have no place in
// the Jaeger model and are not carried.
//
// Threading: stateless; safe from any thread.
#pragma once

#include "pipeline/jaeger/model.h"
#include "pipeline/otlp/types.h"

namespace weir::jaeger {

// Fills *out (cleared first) with the spans of `resource_spans`.
void ResourceSpansToBatch(const otlp::ResourceSpans& resource_spans, model::Batch* out);

// The tag for one OTLP attribute value, as above.
void AttributeToTag(const otlp::KeyValue& attribute, model::KeyValue* out);

}  // namespace weir::jaeger
