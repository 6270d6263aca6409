// Attribute values as text, the way the OpenTelemetry Collector renders them (pdata's
// Value.AsString), so redaction patterns and conversions see the same string otelcol does:
// strings as they are, booleans "true" / "false", integers in decimal, doubles as ECMAScript
// (and Go's encoding/json) print numbers, bytes in standard base64, arrays and maps as JSON,
// an empty value as "".
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "pipeline/otlp/types.h"

namespace weir::otlp {

std::string AsString(const otlp::AnyValue& value);

// `attributes` as the JSON object AsString renders for a map value (keys sorted, the last of a
// repeated key wins).
std::string AttributesAsJson(const google::protobuf::RepeatedPtrField<otlp::KeyValue>& attributes);

// A double as ECMAScript's Number::toString prints it: the shortest text that reads back to the
// same double; exponent form below 1e-6 and from 1e21 ("1e+21", "1e-7"); NaN and infinities as
// "NaN", "+Inf", "-Inf".
std::string FormatDouble(double value);

}  // namespace weir::otlp
