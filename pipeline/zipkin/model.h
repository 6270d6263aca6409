// The Zipkin v2 span model, shared by the Zipkin JSON and protobuf encodings: the messages of
// proto/zipkin/zipkin.proto, which mirror Zipkin's v2 JSON field for field. Ids are held as
// big-endian bytes (trace ids 8 or 16, span ids 8), IPv4 and IPv6 addresses as 4 and 16 bytes,
// times in microseconds. A timestamp or duration of 0 means absent, as in Zipkin's API.
#pragma once

#include "zipkin/zipkin.pb.h"

namespace weir::zipkin {

namespace model {
using Span = ::zipkin::proto3::Span;
using Endpoint = ::zipkin::proto3::Endpoint;
using Annotation = ::zipkin::proto3::Annotation;
using ListOfSpans = ::zipkin::proto3::ListOfSpans;
using Tag = ::zipkin::proto3::Tag;
}  // namespace model

// The local service name given to spans whose resource has none, and read back as "no
// service.name", as otelcol's translators name it.
inline constexpr char kNoServiceName[] = "OTLPResourceNoServiceName";

// The tag that says which resource attribute the local service name came from when it was not
// service.name (e.g. "faas.name"), as otelcol writes and reads it.
inline constexpr char kServiceNameSource[] = "otlp.service.name.source";

// The attribute that marks a span received without a start time.
inline constexpr char kStartTimeAbsent[] = "otel.zipkin.absentField.startTime";

}  // namespace weir::zipkin
