// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
// shared by every decoder of untrusted strings: the protobuf wire scan and OTLP/JSON. Protobuf
// string fields must hold UTF-8, so whatever weir accepts has to pass this check.
//
// The ASCII fast path (eight bytes at a time) is inline, since telemetry strings are short and
// nearly always ASCII; the first non-ASCII byte hands over to the out-of-line full check.
//
// Threading: pure functions, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace weir::otlp {

// Length (2 to 4) of the well-formed multi-byte sequence that starts at p, or 0 when there is
// none. REQUIRES: p < end and *p >= 0x80.
size_t Utf8SequenceLength(const unsigned char* p, const unsigned char* end);

// The full check of [p, end), without the inline ASCII prefix skip.
bool ValidUtf8Slow(const unsigned char* p, const unsigned char* end);

// True when [p, end) is strict UTF-8.
inline bool ValidUtf8(const unsigned char* p, const unsigned char* end) {
  while (end - p >= 8) {
    uint64_t chunk;
    std::memcpy(&chunk, p, 8);
    if (chunk & 0x8080808080808080ULL) return ValidUtf8Slow(p, end);
    p += 8;
  }
  while (p < end) {
    if (*p & 0x80) return ValidUtf8Slow(p, end);
    ++p;
  }
  return true;
}

inline bool ValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  return ValidUtf8(p, p + s.size());
}

}  // namespace weir::otlp
