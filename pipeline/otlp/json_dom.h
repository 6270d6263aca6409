// Parsing JSON text into a RapidJSON DOM with exact number conversion, for weir's JSON decoders
// (OTLP/JSON here, Zipkin's JSON in pipeline/zipkin).
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "rapidjson/document.h"

namespace weir::otlp::json_internal {

// Parses `json` into *doc. Strings are parsed in situ: *buffer receives a copy of `json` that
// the DOM's strings point into, so it must outlive *doc. Integers become Int64/Uint64 values,
// everything else that is numeric a double converted exactly; a value too large for a double is
// an error. Returns InvalidArgument "invalid JSON at offset <n>: <reason>" for malformed input,
// including a NUL byte anywhere in it.
absl::Status ParseDom(std::string_view json, std::string* buffer, rapidjson::Document* doc);

// As ParseDom, parsing *json itself in place (no copy): its bytes are rewritten, and the DOM's
// strings (NUL-terminated) point into it, so it must outlive *doc and every view of them.
absl::Status ParseDomInSitu(std::string* json, rapidjson::Document* doc);

}  // namespace weir::otlp::json_internal
