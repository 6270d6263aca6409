// OTLP/JSON: the JSON encoding of OTLP trace export requests and responses, as the OTLP
// specification defines it (protobuf JSON mapping with OTLP's exceptions):
//   - trace_id, span_id, parent_span_id (spans and links) are lowercase hex, not base64;
//   - enums (span kind, status code) are integers;
//   - keys are lowerCamelCase when writing; both lowerCamelCase and snake_case are read;
//   - 64-bit integers (intValue, *UnixNano) are written as decimal strings; read as strings or
//     numbers;
//   - bytesValue is base64;
//   - unknown fields are ignored when reading.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "pipeline/otlp/types.h"

namespace weir::otlp {

// Parses an ExportTraceServiceRequest (or TracesData, which has the same shape) from JSON into
// *out, which is cleared first and may live on an arena. Returns InvalidArgument with a message
// that names the offending field path (e.g. "resourceSpans[0].scopeSpans[1].spans[3].traceId:
// expected 32 hex digits") when the JSON is invalid or does not match the schema.
// `reserve(bytes)` is asked before the parser's DOM grows (json_dom.h); when it refuses, the
// result is ResourceExhausted.
absl::Status ParseRequestJson(
    std::string_view json, ExportRequest* out,
    absl::FunctionRef<bool(size_t)> reserve = [](size_t) { return true; });

// Appends the OTLP/JSON encoding of `request` to *out, on one line (no newline added).
void AppendRequestJson(const ExportRequest& request, std::string* out);

// Encodes an ExportTraceServiceResponse, e.g. {} or {"partialSuccess":{"rejectedSpans":"3",...}}.
std::string ResponseToJson(const ExportResponse& response);

// Appends `s` as a JSON string literal (quotes included); invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string_view s, std::string* out);

// Parses an ExportTraceServiceResponse (used by the OTLP/HTTP exporter to read partial success).
absl::Status ParseResponseJson(std::string_view json, ExportResponse* out);

}  // namespace weir::otlp
