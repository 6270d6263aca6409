// A Jaeger Thrift batch, as thrift_view.h reads it, written straight to the protobuf encoding
// of an OTLP ExportTraceServiceRequest: no Thrift structs, no api_v2 model, no OTLP messages.
// The rules are to_otlp.h's, applied after thrift_codec.h's ThriftToModel (the parentSpanId is
// the first CHILD_OF reference), and the bytes are exactly what serializing
// BatchToResourceSpans(ThriftToModel(batch)) gives; a differential test holds the two paths
// together.
//
// Strings are copied as they are: TraceBatch's scan of the result refuses invalid UTF-8, as
// the message path's encoder did.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "pipeline/jaeger/thrift_view.h"

namespace weir::jaeger {

// Appends the request holding `batch`'s spans (one ResourceSpans, its spans grouped by scope)
// to *out; appends nothing for a batch without spans.
void AppendOtlpRequest(const thrift_view::Batch& batch, std::string* out);

}  // namespace weir::jaeger
