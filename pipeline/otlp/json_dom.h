// Internal to the OTLP/JSON codec (json_decode.cc): parsing JSON text into a RapidJSON DOM
// with exact number conversion. Not part of weir_otlp's API.
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

}  // namespace weir::otlp::json_internal
