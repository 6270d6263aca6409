// Short names for Jaeger's generated types: the api_v2 protobuf model (proto/jaeger/api_v2) and
// the Thrift model (proto/thrift/jaeger.thrift).
#pragma once

#include "jaeger/api_v2/collector.pb.h"
#include "jaeger/api_v2/model.pb.h"
#include "jaeger_types.h"

namespace weir::jaeger {

namespace model {
using Batch = ::jaeger::api_v2::Batch;
using Span = ::jaeger::api_v2::Span;
using SpanRef = ::jaeger::api_v2::SpanRef;
using Process = ::jaeger::api_v2::Process;
using KeyValue = ::jaeger::api_v2::KeyValue;
using Log = ::jaeger::api_v2::Log;
using PostSpansRequest = ::jaeger::api_v2::PostSpansRequest;
using PostSpansResponse = ::jaeger::api_v2::PostSpansResponse;
}  // namespace model

namespace thrift = ::jaegertracing::thrift;

// The gRPC method path of CollectorService/PostSpans.
inline constexpr char kPostSpansMethod[] = "/jaeger.api_v2.CollectorService/PostSpans";

// The service name given to a resource without service.name, as otelcol's translator names it.
inline constexpr char kNoServiceName[] = "OTLPResourceNoServiceName";

}  // namespace weir::jaeger
