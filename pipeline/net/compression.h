// gzip for request and response bodies: zlib inflates (streaming, with an output limit),
// libdeflate deflates.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace weir::net {

// Decompresses gzip (or zlib) data. Returns InvalidArgument for corrupt data and
// ResourceExhausted when the output would exceed `max_output_bytes` (a zip bomb guard).
absl::StatusOr<std::string> Gunzip(absl::string_view compressed, size_t max_output_bytes);

// Compresses to the gzip format at level `level` (1 fastest .. 9 smallest; -1 the default, 6),
// with libdeflate.
std::string Gzip(absl::string_view data, int level = -1);

}  // namespace weir::net
