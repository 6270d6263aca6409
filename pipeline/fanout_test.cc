#include "pipeline/fanout.h"

#include "gtest/gtest.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::pipeline {
namespace {

TEST(Fanout, EveryBranchGetsEverySpan) {
  testing::SinkConsumer a, b, c;
  FanoutConsumer fanout({&a, &b, &c});
  ASSERT_TRUE(fanout.ConsumeTraces(testing::MakeBatch(4)).ok());
  EXPECT_EQ(a.span_count(), 4u);
  EXPECT_EQ(b.span_count(), 4u);
  EXPECT_EQ(c.span_count(), 4u);
}

TEST(Fanout, FailingBranchDoesNotStarveOthers) {
  testing::FailingConsumer bad(absl::UnavailableError("down"));
  testing::SinkConsumer good;
  FanoutConsumer fanout({&bad, &good});
  absl::Status s = fanout.ConsumeTraces(testing::MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s));
  EXPECT_EQ(good.span_count(), 2u);
  EXPECT_EQ(bad.refused(), 2u);
}

}  // namespace
}  // namespace weir::pipeline
