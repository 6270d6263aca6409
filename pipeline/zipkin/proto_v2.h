// Zipkin's v2 protobuf (zipkin.proto3.ListOfSpans) written from a SpanList, field by field
// in field-number order, as protobuf's serializer writes the message; tags sorted by key, the
// last of a repeated key kept (as a map holds them).
//
// Threading: pure function.
#pragma once

#include <string>

#include "pipeline/zipkin/span_list.h"

namespace weir::zipkin {

std::string EncodeProtoV2(const SpanList& spans);

}  // namespace weir::zipkin
