// OTLP → Zipkin v2, with the rules of otelcol's translator (pkg/translator/zipkin/zipkinv2,
// from_translator.go) where they keep data, so spans reach a Zipkin backend as otelcol would
// send them:
//
//   resource            every attribute becomes a tag of each of its spans (values as pdata's
//                       AsString renders them); the local service name is service.name, else
//                       faas.name, k8s.deployment.name or process.executable.name (that key then
//                       named by the tag otlp.service.name.source), else default_service_name
//   scope               otel.library.name / otel.library.version tags, and the scope's
//                       attributes as tags
//   span attributes     tags, over the resource's and scope's of the same key
//   endpoints           local: ip from network.local.address or net.host.ip, port from
//                       network.local.port or net.host.port; remote: service name from
//                       service.peer.name or peer.service, ip from network.peer.address or
//                       net.peer.ip, port from network.peer.port or net.peer.port. The keys
//                       read are removed from the tags; a remote endpoint with neither a name
//                       nor an address is not written (its port stays a tag)
//   kind                CLIENT, SERVER, PRODUCER, CONSUMER; INTERNAL is the tag
//                       span.kind=internal, UNSPECIFIED nothing
//   status              ERROR: otel.status_code=ERROR and error=<message, or "true">; OK:
//                       otel.status_code=OK; a message also as otel.status_description; an
//                       `error` attribute of a span that is not in error is dropped
//   trace state         w3c.tracestate
//   events              annotations: the name alone, or "name|<attributes as JSON>|<dropped
//                       count>" when the event has attributes or dropped some
//   links               tags otlp.link.<i> = "traceId|spanId|tracestate|<attributes as
//                       JSON>|<dropped count>"
//   times               timestamp = start in µs (rounded; absent when the start is before 1 s
//                       after the epoch), duration = end − start in µs, rounded, at least 1,
//                       absent when the span does not end after it starts
//
// Where weir differs from otelcol: default_service_name is used (otelcol's exporter ignores
// it); otel.status_code is "OK" / "ERROR" as the OpenTelemetry specification and SDKs write it
// (otelcol writes STATUS_CODE_OK / STATUS_CODE_ERROR; weir reads both); both the current and the
// older network attribute names are read; names are not lowercased (Zipkin's server lowercases
// them itself); a NaN or infinite attribute in an event or link is written as a JSON string
// instead of failing the export; scope tags do not leak into the next scope's spans.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"
#include "pipeline/zipkin/model.h"
#include "pipeline/zipkin/span_list.h"

namespace weir::zipkin {

struct FromOtlpOptions {
  // The local service name of spans whose resource names none.
  std::string default_service_name = kNoServiceName;
};

// Appends one Zipkin span per span of `batch` to *out, read on the wire (no OTLP message is
// decoded but an event's or link's with attributes): the views point into the batch's bytes,
// which must outlive the list. Returns InvalidArgument, and appends nothing, when a span has no
// valid trace or span id (Zipkin requires both).
absl::Status AppendSpans(const pipeline::TraceBatch& batch, const FromOtlpOptions& options,
                         SpanList* out);

// The same for one ResourceSpans, into the proto model (for tests).
absl::Status AppendResourceSpans(const otlp::ResourceSpans& resource_spans,
                                 const FromOtlpOptions& options, model::ListOfSpans* out);

}  // namespace weir::zipkin
