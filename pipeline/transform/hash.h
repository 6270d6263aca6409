// Digests of attribute values for the processors that pseudonymise data (redaction, attributes,
// resource): a value is replaced by the lower-case hex of its digest, so equal values stay
// equal after redaction and can still be grouped by, while the value itself is gone.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace weir::pipeline::transform {

enum class HashFunction { kMd5, kSha1, kSha256, kSha3_256, kHmacSha256, kHmacSha512 };

inline bool IsHmac(HashFunction f) {
  return f == HashFunction::kHmacSha256 || f == HashFunction::kHmacSha512;
}

// The function named `name` as configs spell it (md5, sha1, sha256, sha3 — SHA3-256 —,
// hmac-sha256, hmac-sha512), or nullopt.
std::optional<HashFunction> ParseHashFunction(absl::string_view name);

// Lower-case hex of the digest of `data`. `key` is used by the HMACs only.
std::string HexDigest(HashFunction function, absl::string_view data, absl::string_view key = {});

}  // namespace weir::pipeline::transform
