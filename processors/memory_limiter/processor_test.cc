#include "processors/memory_limiter/processor.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/memory_budget.h"
#include "processors/memory_limiter/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::processors::memory_limiter {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "processors.memory_limiter", &d));
  if (out) *out = std::move(cfg);
  return d;
}

TEST(MemoryLimiterConfig, LimitsAsOtelcolComputesThem) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("check_interval: 1s\nlimit_mib: 1000", &cfg).ok());
  EXPECT_EQ(cfg->HardLimitBytes(0), size_t{1000} << 20);
  EXPECT_EQ(cfg->SoftLimitBytes(0), size_t{800} << 20);  // spike defaults to 20%
  ASSERT_TRUE(Decode("check_interval: 1s\nlimit_mib: 1000\nspike_limit_mib: 100", &cfg).ok());
  EXPECT_EQ(cfg->SoftLimitBytes(0), size_t{900} << 20);
  ASSERT_TRUE(
      Decode("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 10", &cfg).ok());
  EXPECT_EQ(cfg->HardLimitBytes(1000 * 100), 50u * 1000);
  EXPECT_EQ(cfg->SoftLimitBytes(1000 * 100), 40u * 1000);
}

TEST(MemoryLimiterConfig, EachRuleFails) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"limit_mib: 100", "processors.memory_limiter.check_interval"},
      {"check_interval: 0s\nlimit_mib: 100", "processors.memory_limiter.check_interval"},
      {"check_interval: 1s", "processors.memory_limiter"},
      {"check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 100",
       "processors.memory_limiter.spike_limit_mib"},
      {"check_interval: 1s\nlimit_mib: -1", "processors.memory_limiter.limit_mib"},
      {"check_interval: 1s\nlimit_percentage: 120", "processors.memory_limiter.limit_percentage"},
      {"check_interval: 1s\nlimit_percentage: 20\nspike_limit_percentage: 30",
       "processors.memory_limiter.spike_limit_percentage"},
      {"check_interval: 1s\nlimit_mib: 100\nmin_gc_interval: 1s",
       "processors.memory_limiter.min_gc_interval"},
      {"check_interval: 1s\nlimit_mib: 100\nmin_gc_interval_when_soft_limited: often",
       "processors.memory_limiter.min_gc_interval_when_soft_limited"},
  };
  for (const Case& c : cases) {
    config::Diagnostics d = Decode(c.yaml);
    ASSERT_FALSE(d.ok()) << c.yaml;
    EXPECT_EQ(d.problems()[0].path, c.path) << c.yaml << "\n" << d.ToString();
  }
}

class MemoryLimiterTest : public ::testing::Test {
 protected:
  std::unique_ptr<Processor> Make(const std::string& yaml) {
    std::unique_ptr<Config> cfg;
    auto d = Decode(yaml, &cfg);
    EXPECT_TRUE(d.ok()) << d.ToString();
    auto p = std::make_unique<Processor>(env_.SettingsFor("memory_limiter"), *cfg, sink_);
    EXPECT_TRUE(p->Start(host_).ok());
    return p;
  }
  testing::TestEnvironment env_;
  testing::SinkConsumer sink_;
  testing::RecordingHost host_;
};

TEST_F(MemoryLimiterTest, PassesDataBelowTheSoftLimit) {
  auto p = Make("check_interval: 1s\nlimit_mib: 1000000");
  EXPECT_TRUE(p->ConsumeTraces(testing::MakeBatch(5)).ok());
  EXPECT_EQ(sink_.span_count(), 5u);
}

TEST_F(MemoryLimiterTest, RefusesAboveTheSoftLimitMeasuredByRss) {
  // A test process uses more than 2 MiB resident: the first measurement is above the limit.
  auto p = Make("check_interval: 1s\nlimit_mib: 2\nspike_limit_mib: 1");
  absl::Status s = p->ConsumeTraces(testing::MakeBatch(5));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("soft limit of 1 MiB"));
  EXPECT_EQ(sink_.span_count(), 0u);
  env_.clock.Advance(1s);  // the periodic check measures again, and is still above
  EXPECT_TRUE(absl::IsResourceExhausted(p->ConsumeTraces(testing::MakeBatch(1))));
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_processor_refused_spans{processor=\"memory_limiter\"} 6"));
}

TEST_F(MemoryLimiterTest, RefusesWhileTheSpansHeldPassTheSoftLimit) {
  // Soft limit far above RSS, but the spans held (the memory budget) count too.
  size_t rss = pipeline::ProcessRssBytes();
  int64_t limit_mib = static_cast<int64_t>(rss >> 20) + 64;
  auto p = Make(absl::StrCat("check_interval: 1s\nlimit_mib: ", limit_mib,
                             "\nspike_limit_mib: 1"));
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(1)).ok());
  {
    pipeline::MemoryCharge held =
        pipeline::MemoryBudget::Process().Charge(static_cast<size_t>(limit_mib) << 20);
    EXPECT_TRUE(absl::IsResourceExhausted(p->ConsumeTraces(testing::MakeBatch(1))));
  }
  EXPECT_TRUE(p->ConsumeTraces(testing::MakeBatch(1)).ok());
  EXPECT_EQ(sink_.span_count(), 2u);
}

TEST(MemoryLimiterProcessor, Conformance) {
  testing::RunProcessorConformance(Factory(), "check_interval: 1s\nlimit_mib: 1000000");
}

}  // namespace
}  // namespace weir::processors::memory_limiter
