#include "pipeline/transform/hash.h"

#include "gtest/gtest.h"

namespace weir::pipeline::transform {
namespace {

TEST(Hash, KnownDigests) {
  EXPECT_EQ(HexDigest(HashFunction::kMd5, "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexDigest(HashFunction::kSha1, "abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexDigest(HashFunction::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexDigest(HashFunction::kSha3_256, "abc"),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  // RFC 4231, test case 2.
  EXPECT_EQ(HexDigest(HashFunction::kHmacSha256, "what do ya want for nothing?", "Jefe"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexDigest(HashFunction::kHmacSha512, "what do ya want for nothing?", "Jefe"),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(Hash, Names) {
  EXPECT_EQ(ParseHashFunction("md5"), HashFunction::kMd5);
  EXPECT_EQ(ParseHashFunction("sha1"), HashFunction::kSha1);
  EXPECT_EQ(ParseHashFunction("sha3"), HashFunction::kSha3_256);
  EXPECT_EQ(ParseHashFunction("hmac-sha256"), HashFunction::kHmacSha256);
  EXPECT_FALSE(ParseHashFunction("SHA1").has_value());
  EXPECT_FALSE(ParseHashFunction("").has_value());
}

}  // namespace
}  // namespace weir::pipeline::transform
