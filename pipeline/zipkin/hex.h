// Hex ids of the Zipkin encodings (JSON v1 and v2): big-endian bytes ⇄ lowercase hex.
//
// Threading: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace weir::zipkin {

// Parses 1 to `max_digits` hex digits (any case) into big-endian bytes: 8 bytes when there are
// at most 16 digits, else 16; shorter text is left-padded with zeros. False for an empty or
// longer text, a non-hex digit, or an id of all zeros.
bool ParseHexId(std::string_view hex, size_t max_digits, std::string* out);

// As ParseHexId, into `out` (room for 16 bytes); *size is 8 or 16.
bool ParseHexIdTo(std::string_view hex, size_t max_digits, char* out, size_t* size);

// True when `hex` is non-empty and all '0'.
bool AllZeroHex(std::string_view hex);

// Lowercase hex of `id`; a 16-byte id whose first 8 bytes are zero is written as 16 digits.
std::string HexId(absl::string_view id);

}  // namespace weir::zipkin
