// Short names for the generated OTLP message types used across weir.
#pragma once

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace weir::otlp {

using ExportRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ExportResponse = opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
using ResourceSpans = opentelemetry::proto::trace::v1::ResourceSpans;
using ScopeSpans = opentelemetry::proto::trace::v1::ScopeSpans;
using Span = opentelemetry::proto::trace::v1::Span;
using SpanEvent = opentelemetry::proto::trace::v1::Span_Event;
using SpanLink = opentelemetry::proto::trace::v1::Span_Link;
using SpanStatus = opentelemetry::proto::trace::v1::Status;
using Resource = opentelemetry::proto::resource::v1::Resource;
using Scope = opentelemetry::proto::common::v1::InstrumentationScope;
using KeyValue = opentelemetry::proto::common::v1::KeyValue;
using AnyValue = opentelemetry::proto::common::v1::AnyValue;
using ArrayValue = opentelemetry::proto::common::v1::ArrayValue;
using KeyValueList = opentelemetry::proto::common::v1::KeyValueList;

// The gRPC method path of TraceService/Export.
inline constexpr char kExportMethod[] =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

}  // namespace weir::otlp
