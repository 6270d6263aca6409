#include "pipeline/memory_budget.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/trace_batch.h"
#include "tests/testing/span_generator.h"

namespace weir::pipeline {
namespace {

TEST(MemoryBudget, ChargesAndReleases) {
  MemoryBudget budget(1000);
  {
    MemoryCharge a = budget.Charge(600);
    EXPECT_EQ(budget.used(), 600u);
    EXPECT_TRUE(budget.HasRoom(400));
    EXPECT_FALSE(budget.HasRoom(401));
    MemoryCharge b = std::move(a);
    EXPECT_EQ(budget.used(), 600u);
    b.Resize(100);
    EXPECT_EQ(budget.used(), 100u);
  }
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_EQ(budget.peak(), 600u);
}

TEST(MemoryBudget, TryChargeRefusesOverTheLimit) {
  MemoryBudget budget(1000);
  std::optional<MemoryCharge> a = budget.TryCharge(900);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(budget.TryCharge(101).has_value());
  EXPECT_TRUE(a->TryGrow(100));
  EXPECT_FALSE(a->TryGrow(1));
  EXPECT_EQ(a->bytes(), 1000u);
  // Unconditional charges may pass the limit (memory already held); then nothing fits.
  MemoryCharge over = budget.Charge(50);
  EXPECT_EQ(budget.used(), 1050u);
  EXPECT_FALSE(budget.HasRoom(0));
  EXPECT_FALSE(budget.TryCharge(0).has_value());
}

TEST(MemoryBudget, ConcurrentTryChargeNeverPassesTheLimit) {
  MemoryBudget budget(10000);
  std::vector<std::thread> threads;
  std::atomic<size_t> granted{0};
  std::vector<std::vector<MemoryCharge>> held(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        if (auto c = budget.TryCharge(7)) {
          granted += 7;
          held[t].push_back(std::move(*c));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(budget.used(), 10000u);
  EXPECT_EQ(budget.used(), granted.load());
  EXPECT_LE(budget.peak(), 10000u);
  held.clear();
  EXPECT_EQ(budget.used(), 0u);
}

TEST(MemoryBudget, OverBudgetIsRetryable) {
  absl::Status s = OverBudget("receiver otlp");
  EXPECT_TRUE(absl::IsResourceExhausted(s));
  EXPECT_NE(s.message().find("receiver otlp"), absl::string_view::npos);
}

// Every chunk a TraceBatch holds is charged to the process budget until the last holder lets
// go, whatever operations made it.
TEST(MemoryBudget, TraceBatchChunksAreChargedUntilReleased) {
  MemoryBudget& process = MemoryBudget::Process();
  size_t before = process.used();
  {
    auto batch = TraceBatch::FromProtoBytes(testing::MakeRequest(2, 2, 50).SerializeAsString());
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(process.used() - before, batch->MemoryBytes());
    TraceBatch clone = batch->Clone();
    EXPECT_EQ(process.used() - before, batch->MemoryBytes());  // shared, not charged twice
    TraceBatch front = batch->SplitFront(30);
    size_t kept = batch->RetainSpans([](const SpanView& s) { return s.name().size() % 2 == 0; });
    (void)kept;
    std::vector<BatchPart> parts =
        clone.Partition([](const SpanView& s) { return s.trace_id(); });
    EXPECT_GT(process.used(), before);
  }
  EXPECT_EQ(process.used(), before);
}

}  // namespace
}  // namespace weir::pipeline
