// Zipkin v2 → OTLP: the reverse of from_otlp.h, with the rules of otelcol's translator
// (zipkinv2/to_translator.go) where they keep data:
//
//   local service       the resource's service.name (none for "OTLPResourceNoServiceName" or no
//                       local endpoint), or the key otlp.service.name.source names
//   resource tags       tags with resource keys (otelcol's list: service.*, host.*, k8s.*,
//                       cloud.*, container.*, process.*, telemetry.*, os.*, faas.*, …) move to
//                       the resource; spans with the same service and the same resource tags
//                       share one ResourceSpans, in the order they first appear
//   otel.library.name/  the instrumentation scope (also otel.scope.name / .version); spans of
//   .version            one scope share a ScopeSpans
//   kind                CLIENT, SERVER, PRODUCER, CONSUMER; without one, the tag span.kind
//                       (internal, client, …) decides
//   status              otel.status_code OK | ERROR (also STATUS_CODE_OK / STATUS_CODE_ERROR,
//                       any case) with otel.status_description as the message; an `error` tag
//                       (any value) makes it ERROR, its value the message when there is no
//                       otel.status_description and it is not "true"
//   w3c.tracestate      trace_state
//   annotations         events: "name|<JSON object>|<dropped count>" gives the name, the
//                       attributes (strings, booleans, integers, doubles) and the count; any
//                       other value is the name
//   otlp.link.<i>       links (i from 0 up to the first missing one)
//   endpoints           local ip → network.local.address, port → net.host.port; remote service
//                       name → service.peer.name, ip → network.peer.address, port →
//                       net.peer.port
//   times               start = timestamp, end = start + duration; a span without a timestamp
//                       starts at the epoch and carries otel.zipkin.absentField.startTime=true
//   ids                 64-bit trace ids are left-padded to 16 bytes; a parent id equal to the
//                       span's own id is dropped
//   tags                string attributes; with parse_string_tags, "-12" → int, "1.5" →
//                       double, "true" / "false" → bool
//
// The tags consumed above are not attributes. debug and shared are not carried.
//
// Where weir differs from otelcol: resource tags of later spans of a service are not dropped
// (they separate resources instead); an annotation or link tag that does not parse is kept
// (as the event's name, or as an attribute) instead of failing the request; "OK" and "ERROR"
// are read as the OpenTelemetry SDKs' Zipkin exporters write them (otelcol reads them as unset).
//
// Threading: stateless; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "pipeline/otlp/types.h"
#include "pipeline/zipkin/model.h"
#include "pipeline/zipkin/span_list.h"

namespace weir::zipkin {

struct ToOtlpOptions {
  bool parse_string_tags = false;  // type tag values that look like numbers or booleans
};

// Appends the protobuf encoding of an ExportTraceServiceRequest holding `spans` to *out, as
// ResourceSpans by local service, written directly from the views (no OTLP objects are built).
// Returns InvalidArgument naming the span, and appends nothing, when an id has a length Zipkin
// does not define (trace ids 8 or 16 bytes, span and parent ids 8). The strings are copied as
// they are: the decoders check UTF-8, and TraceBatch's scan checks the result.
absl::Status AppendOtlpRequest(const SpanList& spans, const ToOtlpOptions& options,
                               std::string* out);

// The same for spans of the proto model, merged into *out (for tests and the fuzz target).
// InvalidArgument also when a string is not valid UTF-8.
absl::Status SpansToResourceSpans(model::ListOfSpans&& spans, const ToOtlpOptions& options,
                                  otlp::ExportRequest* out);

}  // namespace weir::zipkin
