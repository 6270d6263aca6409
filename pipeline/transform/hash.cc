#include "pipeline/transform/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"

namespace weir::pipeline::transform {

std::optional<HashFunction> ParseHashFunction(absl::string_view name) {
  if (name == "md5") return HashFunction::kMd5;
  if (name == "sha1") return HashFunction::kSha1;
  if (name == "sha256") return HashFunction::kSha256;
  if (name == "sha3") return HashFunction::kSha3_256;
  if (name == "hmac-sha256") return HashFunction::kHmacSha256;
  if (name == "hmac-sha512") return HashFunction::kHmacSha512;
  return std::nullopt;
}

std::string HexDigest(HashFunction function, absl::string_view data, absl::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (IsHmac(function)) {
    HMAC(function == HashFunction::kHmacSha256 ? EVP_sha256() : EVP_sha512(), key.data(),
         static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &size);
  } else {
    const EVP_MD* md = function == HashFunction::kMd5      ? EVP_md5()
                       : function == HashFunction::kSha1   ? EVP_sha1()
                       : function == HashFunction::kSha256 ? EVP_sha256()
                                                           : EVP_sha3_256();
    EVP_Digest(data.data(), data.size(), digest, &size, md, nullptr);
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), static_cast<size_t>(size)));
}

}  // namespace weir::pipeline::transform
