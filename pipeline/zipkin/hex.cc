#include "pipeline/zipkin/hex.h"

#include <cstring>

#include "absl/strings/escaping.h"

namespace weir::zipkin {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ParseHexIdTo(std::string_view hex, size_t max_digits, char* out, size_t* size) {
  if (hex.empty() || hex.size() > max_digits) return false;
  const size_t width = hex.size() <= 16 ? 16 : 32;
  *size = width / 2;
  std::memset(out, 0, width / 2);
  bool nonzero = false;
  // Digits fill from the right; digit k (from the right) lands in byte width/2 - 1 - k/2.
  for (size_t k = 0; k < hex.size(); ++k) {
    const int v = HexValue(hex[hex.size() - 1 - k]);
    if (v < 0) return false;
    if (v != 0) nonzero = true;
    char& byte = out[width / 2 - 1 - k / 2];
    byte = static_cast<char>(static_cast<unsigned char>(byte) | (k % 2 == 0 ? v : v << 4));
  }
  return nonzero;
}

bool ParseHexId(std::string_view hex, size_t max_digits, std::string* out) {
  char bytes[16];
  size_t size = 0;
  if (!ParseHexIdTo(hex, max_digits, bytes, &size)) return false;
  out->assign(bytes, size);
  return true;
}

bool AllZeroHex(std::string_view hex) {
  return !hex.empty() && hex.find_first_not_of('0') == std::string_view::npos;
}

std::string HexId(absl::string_view id) {
  if (id.size() == 16 && id.substr(0, 8) == absl::string_view("\0\0\0\0\0\0\0\0", 8)) {
    id.remove_prefix(8);
  }
  return absl::BytesToHexString(id);
}

}  // namespace weir::zipkin
