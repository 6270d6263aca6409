#include "exporters/helper/retry_after.h"

#include "gtest/gtest.h"

namespace weir::exporters::helper {
namespace {

// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
absl::Time Example() { return absl::FromUnixSeconds(784111777); }

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(ParseRetryAfter("120", Example()), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 3 ", Example()), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter("0", Example()), absl::ZeroDuration());
}

TEST(RetryAfter, HugeDelaysAreCutToADay) {
  EXPECT_EQ(ParseRetryAfter("999999999", Example()), absl::Hours(24));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", Example()), absl::Hours(24));
}

TEST(RetryAfter, HttpDatesInEveryForm) {
  absl::Time now = Example() - absl::Seconds(30);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), absl::Seconds(30));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now), absl::Seconds(30));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 1994", now), absl::Seconds(30));
}

TEST(RetryAfter, ADateInThePastMeansNow) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", Example() + absl::Hours(1)),
            absl::ZeroDuration());
}

TEST(RetryAfter, AnythingElseIsIgnored) {
  for (const char* value : {"", "  ", "-1", "1.5", "soon", "5s", "Sun, 06 Nov 1994"}) {
    EXPECT_EQ(ParseRetryAfter(value, Example()), std::nullopt) << value;
  }
}

}  // namespace
}  // namespace weir::exporters::helper
