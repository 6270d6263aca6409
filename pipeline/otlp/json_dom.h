// Parsing JSON text into a RapidJSON DOM with exact number conversion, for weir's JSON decoders
// (OTLP/JSON here, Zipkin's JSON in pipeline/zipkin).
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "rapidjson/document.h"

namespace weir::otlp::json_internal {

// Asked for the bytes the DOM is about to take, in steps of kDomReserveStep; returning false
// stops parsing with ResourceExhausted. Receivers charge the memory budget with it.
using DomReserve = absl::FunctionRef<bool(size_t bytes)>;
inline bool Unreserved(size_t) { return true; }
// A DOM value costs about this much while it is built: its slot on the parser's stack, then
// its place in its array or object (a member also holds its key).
inline constexpr size_t kDomValueBytes = 32;
inline constexpr size_t kDomReserveStep = 2048 * kDomValueBytes;

// Parses `json` into *doc. Strings are parsed in situ: *buffer receives a copy of `json` that
// the DOM's strings point into, so it must outlive *doc. Integers become Int64/Uint64 values,
// everything else that is numeric a double converted exactly; a value too large for a double is
// an error. Returns InvalidArgument "invalid JSON at offset <n>: <reason>" for malformed input,
// including a NUL byte anywhere in it; ResourceExhausted when `reserve` refused.
absl::Status ParseDom(std::string_view json, std::string* buffer, rapidjson::Document* doc,
                      DomReserve reserve = Unreserved);

// As ParseDom, parsing *json itself in place (no copy): its bytes are rewritten, and the DOM's
// strings (NUL-terminated) point into it, so it must outlive *doc and every view of them.
absl::Status ParseDomInSitu(std::string* json, rapidjson::Document* doc,
                            DomReserve reserve = Unreserved);

}  // namespace weir::otlp::json_internal
