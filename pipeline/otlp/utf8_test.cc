#include "pipeline/otlp/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace weir::otlp {
namespace {

TEST(Utf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(ValidUtf8(""));
  EXPECT_TRUE(ValidUtf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(ValidUtf8("caf\xc3\xa9"));       // U+00E9
  EXPECT_TRUE(ValidUtf8("\xe2\x82\xac"));      // U+20AC
  EXPECT_TRUE(ValidUtf8("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(ValidUtf8("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_TRUE(ValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
  EXPECT_TRUE(
      ValidUtf8("12345678\xc3\xa9"
                "abcdefgh"));  // after and before an ASCII word
}

TEST(Utf8, RejectsWhatRfc3629Forbids) {
  EXPECT_FALSE(ValidUtf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(ValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(ValidUtf8("\xc1\xbf"));          // overlong
  EXPECT_FALSE(ValidUtf8("\xe0\x9f\xbf"));      // overlong three-byte form
  EXPECT_FALSE(ValidUtf8("\xed\xa0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(ValidUtf8("\xf0\x8f\xbf\xbf"));  // overlong four-byte form
  EXPECT_FALSE(ValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(ValidUtf8("\xf5\x80\x80\x80"));  // never a lead byte
  EXPECT_FALSE(ValidUtf8("\xff"));
}

TEST(Utf8, RejectsTruncatedSequencesAtEveryPosition) {
  const std::string euro = "\xe2\x82\xac";
  for (size_t prefix : {0u, 7u, 8u, 9u, 16u}) {
    std::string ascii(prefix, 'a');
    EXPECT_TRUE(ValidUtf8(ascii + euro)) << prefix;
    EXPECT_FALSE(ValidUtf8(ascii + euro.substr(0, 2))) << prefix;
    EXPECT_FALSE(ValidUtf8(ascii + euro.substr(0, 1))) << prefix;
    EXPECT_FALSE(ValidUtf8(ascii + "\xe2\x82" + "a")) << prefix;  // bad continuation
  }
}

TEST(Utf8, SequenceLength) {
  auto length = [](std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    return Utf8SequenceLength(p, p + s.size());
  };
  EXPECT_EQ(length("\xc3\xa9"), 2u);
  EXPECT_EQ(length("\xe2\x82\xac"), 3u);
  EXPECT_EQ(length("\xf0\x9f\x98\x80"), 4u);
  EXPECT_EQ(length("\xe2\x82"), 0u);
  EXPECT_EQ(length("\xed\xa0\x80"), 0u);
}

}  // namespace
}  // namespace weir::otlp
