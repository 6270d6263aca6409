// ParseRetryAfter: the delay an HTTP Retry-After header asks for (RFC 9110 §10.2.3), as the
// OTLP/HTTP specification lets a server send with a 429 or 503.
//
// Threading: a pure function.
#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace weir::exporters::helper {

// `value` is delay-seconds ("120") or an HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT", or the
// obsolete RFC 850 and asctime forms); surrounding whitespace is ignored. Returns the delay
// from `now`, zero for a date already past; nullopt when the value is neither form. Delays
// beyond a day are cut to a day.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace weir::exporters::helper
