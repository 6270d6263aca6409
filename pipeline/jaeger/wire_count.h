// Counting the spans of an encoded jaeger.api_v2.PostSpansRequest without decoding it (field 1,
// the batch; its field 1, the spans), so a receiver can refuse a request over its span limit
// before it pays for the decode, and a benchmark sink can count what it got.
//
// Threading: stateless.
#pragma once

#include <cstddef>

#include "absl/strings/string_view.h"

namespace weir::jaeger {

// Sets *spans and returns true when `bytes` is a well-formed message at the wire level; false
// otherwise (*spans untouched).
bool CountPostSpans(absl::string_view bytes, size_t* spans);

}  // namespace weir::jaeger
