// The Decoder's leaves (json_decoder.h): strings, hex ids, integers and doubles, each checked
// against what OTLP/JSON allows.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "pipeline/otlp/json_decoder.h"
#include "pipeline/otlp/utf8.h"

namespace weir::otlp::json_internal {

// Protobuf string fields must hold UTF-8; letting anything else through would make the whole
// batch fail later, at whichever protobuf parser receives it next.
bool Decoder::String(const JsonValue& v, std::string_view* out) {
  if (!v.IsString()) return Fail(kExpectedString);
  *out = std::string_view(v.GetString(), v.GetStringLength());
  return ValidUtf8(*out) || Fail("invalid UTF-8");
}

// Decodes a hex id of `bytes` bytes into buf; an empty string is an empty (absent) id.
bool Decoder::HexId(const JsonValue& v, size_t bytes, char* buf, size_t* len) {
  if (!v.IsString()) return Fail(kExpectedString);
  const size_t n = v.GetStringLength();
  const auto* s = reinterpret_cast<const unsigned char*>(v.GetString());
  *len = 0;
  if (n == 0) return true;
  if (n != 2 * bytes) {
    return Fail(absl::StrCat("expected ", 2 * bytes, " hex digits, got ", n, " characters"));
  }
  for (size_t i = 0; i < bytes; ++i) {
    const int hi = kHexValue[s[2 * i]];
    const int lo = kHexValue[s[2 * i + 1]];
    if ((hi | lo) < 0) {
      return Fail(absl::StrCat("expected ", 2 * bytes, " hex digits, got a non-hex character at ",
                               hi < 0 ? 2 * i : 2 * i + 1));
    }
    buf[i] = static_cast<char>((hi << 4) | lo);
  }
  *len = bytes;
  return true;
}

bool Decoder::Uint64(const JsonValue& v, uint64_t* out) {
  if (v.IsUint64()) {
    *out = v.GetUint64();
    return true;
  }
  if (v.IsInt64()) return Fail(kOutOfRange);  // negative
  if (v.IsDouble()) {
    // Senders in JavaScript write nanos as plain numbers, sometimes in exponent form.
    const double d = v.GetDouble();
    if (d != std::trunc(d)) return Fail(kExpectedInteger);
    if (!(d >= 0 && d < 18446744073709551616.0)) return Fail(kOutOfRange);
    *out = static_cast<uint64_t>(d);
    return true;
  }
  if (v.IsString()) {
    bool out_of_range;
    if (ParseDecimal({v.GetString(), v.GetStringLength()}, out, &out_of_range)) return true;
    return Fail(out_of_range ? kOutOfRange : kExpectedInteger);
  }
  return Fail(kExpectedInteger);
}

bool Decoder::Int64(const JsonValue& v, int64_t* out) {
  if (v.IsInt64()) {
    *out = v.GetInt64();
    return true;
  }
  if (v.IsUint64()) return Fail(kOutOfRange);  // above INT64_MAX
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    if (d != std::trunc(d)) return Fail(kExpectedInteger);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return Fail(kOutOfRange);
    *out = static_cast<int64_t>(d);
    return true;
  }
  if (v.IsString()) {
    bool out_of_range;
    if (ParseDecimal({v.GetString(), v.GetStringLength()}, out, &out_of_range)) return true;
    return Fail(out_of_range ? kOutOfRange : kExpectedInteger);
  }
  return Fail(kExpectedInteger);
}

bool Decoder::Uint32(const JsonValue& v, uint32_t* out) {
  uint64_t wide;
  if (!Uint64(v, &wide)) return false;
  if (wide > std::numeric_limits<uint32_t>::max()) return Fail(kOutOfRange);
  *out = static_cast<uint32_t>(wide);
  return true;
}

bool Decoder::Double(const JsonValue& v, double* out) {
  if (v.IsNumber()) {
    *out = v.GetDouble();
    return true;
  }
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    if (s == "NaN") {
      *out = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (s == "Infinity") {
      *out = std::numeric_limits<double>::infinity();
      return true;
    }
    if (s == "-Infinity") {
      *out = -std::numeric_limits<double>::infinity();
      return true;
    }
    // The protobuf JSON mapping also allows numbers in strings.
    if (!s.empty() && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) {
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
      if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(*out)) return true;
    }
  }
  return Fail("expected a number");
}

}  // namespace weir::otlp::json_internal
