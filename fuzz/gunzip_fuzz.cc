// Fuzz target for the gzip/zlib inflater that every compressed request body goes through:
// never crashes, never returns more than the limit, refuses only with the two documented
// errors, and what it accepts round-trips through weir's own gzip. Byte 0 picks the output
// limit (0 .. 64 KiB in 256-byte steps), so the limit's edge is reached as often as not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "pipeline/net/compression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t limit = size_t{data[0]} * 256;
  absl::string_view compressed(reinterpret_cast<const char*>(data + 1), size - 1);
  absl::StatusOr<std::string> out = weir::net::Gunzip(compressed, limit);
  if (!out.ok()) {
    if (!absl::IsInvalidArgument(out.status()) && !absl::IsResourceExhausted(out.status())) {
      std::abort();
    }
    return 0;
  }
  if (out->size() > limit) std::abort();
  absl::StatusOr<std::string> again = weir::net::Gunzip(weir::net::Gzip(*out), limit);
  if (!again.ok() || *again != *out) std::abort();
  return 0;
}
