#include "pipeline/held_batches.h"

#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/span_generator.h"

namespace weir::pipeline {
namespace {

// Answers with `status` and records the sizes of the batches it took.
class ScriptedConsumer : public TracesConsumer {
 public:
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const RequestContext&, TraceBatch batch) override {
    if (!status.ok()) return status;
    taken.push_back(batch.span_count());
    return absl::OkStatus();
  }
  absl::Status status;
  std::vector<size_t> taken;
};

TEST(HeldBatches, HoldsARetryableRefusalAndKeepsOrder) {
  ScriptedConsumer next;
  size_t dropped = 0;
  HeldBatches held(next, [&](size_t n, absl::string_view) { dropped += n; });
  next.status = absl::UnavailableError("backend down");
  held.Send(RequestContext(), testing::MakeBatch(1));
  EXPECT_EQ(held.reason(), "backend down");
  next.status = absl::OkStatus();
  // A batch sent while one is held waits behind it instead of overtaking.
  held.Send(RequestContext(), testing::MakeBatch(2));
  EXPECT_TRUE(next.taken.empty());
  EXPECT_TRUE(held.Retry());
  EXPECT_EQ(next.taken, (std::vector<size_t>{1, 2}));
  EXPECT_EQ(dropped, 0u);
}

TEST(HeldBatches, PermanentRefusalIsDroppedThroughTheCallback) {
  ScriptedConsumer next;
  size_t dropped = 0;
  std::string why;
  HeldBatches held(next, [&](size_t n, absl::string_view w) {
    dropped += n;
    why = std::string(w);
  });
  next.status = absl::InvalidArgumentError("bad batch");
  held.Send(RequestContext(), testing::MakeBatch(3));
  EXPECT_EQ(dropped, 3u);
  EXPECT_EQ(why, "bad batch");
  EXPECT_TRUE(held.Retry());  // nothing held
}

TEST(HeldBatches, DrainUntilDropsWhatIsStillRefusedAtTheDeadline) {
  ScriptedConsumer next;
  size_t dropped = 0;
  HeldBatches held(next, [&](size_t n, absl::string_view) { dropped += n; });
  next.status = absl::ResourceExhaustedError("queue full");
  held.Send(RequestContext(), testing::MakeBatch(4));
  held.Send(RequestContext(), testing::MakeBatch(5));
  EXPECT_FALSE(held.Retry());
  EXPECT_EQ(held.DrainUntil(absl::Now() + absl::Milliseconds(30), absl::Milliseconds(5),
                            "shutdown deadline passed"),
            9u);
  EXPECT_EQ(dropped, 9u);
  EXPECT_TRUE(held.Retry());
}

}  // namespace
}  // namespace weir::pipeline
