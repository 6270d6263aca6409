// The URL sanitizer: takes what identifies a user or a request out of a URL or path, so a
// value keeps its shape ("/api/users/*/orders") and stays groupable.
//   - the query string and the fragment are removed (from the first '?', '&' or '#');
//   - a path segment made only of letters, '-', '_', '.' and spaces stays; any other segment
//     (digits, ids, UUIDs, hex, tokens, e-mail addresses, percent escapes) becomes "*". As in
//     otelcol, one other character in second place is tolerated ("v1", "k8s-nodes");
//   - weir keeps a leading "scheme://host[:port]" as it is and replaces user information
//     ("user:password@") by "*@" (otelcol turns "https:" into "*" and keeps user information).
// otelcol also replaces letter-only segments that a letter-pair model judges random; weir
// does not (see README).
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace weir::processors::redaction {

std::string SanitizeUrl(absl::string_view url);

// Whether a sanitized name holds nothing but "*" segments ("*", "/*/*", "/*/"), i.e. says
// nothing any more.
bool IsFullyRedacted(absl::string_view sanitized);

}  // namespace weir::processors::redaction
