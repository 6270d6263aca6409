#include "pipeline/transform/regex.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace weir::pipeline::transform {
namespace {

std::string Stars(absl::string_view) { return "****"; }

TEST(Regex, ListMatchesAnywhereAndSaysWhich) {
  auto list = RegexList::Compile({"4[0-9]{12}(?:[0-9]{3})?", "(?i)bearer\\s+\\S+", "^abc$"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->MatchesAny("card 4111111111111111 ok"));
  EXPECT_FALSE(list->MatchesAny("nothing here"));
  EXPECT_THAT(list->Matching("BEARER x and 4111111111111"), testing::ElementsAre(0, 1));
  EXPECT_THAT(list->Matching("abc"), testing::ElementsAre(2));
  EXPECT_TRUE(RegexList::Compile({})->empty());
  EXPECT_FALSE(RegexList::Compile({"("}).ok());
}

TEST(Regex, ReplaceAllAsGoDoes) {
  RE2 digits("[0-9]+");
  EXPECT_EQ(ReplaceAll(digits, "a1b22c333", Stars), "a****b****c****");
  EXPECT_EQ(ReplaceAll(digits, "none", Stars), std::nullopt);
  // ".*" on "abc" replaces once: the empty match right after the first one is skipped.
  EXPECT_EQ(ReplaceAll(RE2(".*"), "abc", Stars), "****");
  EXPECT_EQ(ReplaceAll(RE2(".*"), "", Stars), "****");
  // A pattern that matches the empty string puts the replacement between characters.
  EXPECT_EQ(ReplaceAll(RE2("x*"), "ab", [](absl::string_view) { return std::string("-"); }),
            "-a-b-");
  EXPECT_EQ(ReplaceAll(RE2("x*"), "é", [](absl::string_view) { return std::string("-"); }), "-é-");
  // The replacement sees the match.
  EXPECT_EQ(ReplaceAll(RE2("[a-z]+@[a-z.]+"), "to bob@x.org, al@y.io",
                       [](absl::string_view m) { return absl::StrCat("<", m.size(), ">"); }),
            "to <9>, <7>");
}

}  // namespace
}  // namespace weir::pipeline::transform
