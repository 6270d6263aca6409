#include "processors/batch/processor.h"

#include <chrono>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "processors/batch/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::processors::batch {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "processors.batch", &d));
  if (out) *out = std::move(cfg);
  return d;
}

class BatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<Processor> Make(const std::string& yaml) {
    std::unique_ptr<Config> cfg;
    auto d = Decode(yaml, &cfg);
    EXPECT_TRUE(d.ok()) << d.ToString();
    auto p = std::make_unique<Processor>(env_.SettingsFor("batch"), *cfg, sink_);
    EXPECT_TRUE(p->Start(host_).ok());
    return p;
  }
  testing::TestEnvironment env_;
  testing::SinkConsumer sink_;
  testing::RecordingHost host_;
};

TEST(BatchConfig, Defaults) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("{}", &cfg).ok());
  EXPECT_EQ(cfg->send_batch_size, 8192);
  EXPECT_EQ(cfg->send_batch_max_size, 0);
  EXPECT_EQ(cfg->timeout, absl::Milliseconds(200));
}

TEST(BatchConfig, TestdataDecodesExactly) {
  YAML::Node doc = YAML::LoadFile(WEIR_SOURCE_DIR "/processors/batch/testdata/config.yaml");
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(doc["processors"]["batch/custom"], "x", &d));
  ASSERT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(cfg->send_batch_size, 1000);
  EXPECT_EQ(cfg->send_batch_max_size, 2000);
  EXPECT_EQ(cfg->timeout, absl::Seconds(10));
}

TEST(BatchConfig, EachRuleFails) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"send_batch_size: -1", "processors.batch.send_batch_size"},
      {"send_batch_max_size: -5", "processors.batch.send_batch_max_size"},
      {"send_batch_size: 100\nsend_batch_max_size: 50", "processors.batch.send_batch_max_size"},
      {"timeout: fast", "processors.batch.timeout"},
      {"timeout: 5", "processors.batch.timeout"},
      {"send_batch_size: many", "processors.batch.send_batch_size"},
      {"metadata_cardinality_limit: 0", "processors.batch.metadata_cardinality_limit"},
      {"metadata_keys: [\"\"]", "processors.batch.metadata_keys"},
      {"sned_batch_size: 10", "processors.batch.sned_batch_size"},
  };
  for (const Case& c : cases) {
    config::Diagnostics d = Decode(c.yaml);
    ASSERT_EQ(d.problems().size(), 1u) << c.yaml << "\n" << d.ToString();
    EXPECT_EQ(d.problems()[0].path, c.path) << c.yaml;
    EXPECT_GT(d.problems()[0].line, 0) << c.yaml;
  }
}

pipeline::RequestContext Tenant(const std::string& tenant, const std::string& other = "x") {
  pipeline::RequestContext c;
  c.AddMetadata("X-Tenant", tenant);
  c.AddMetadata("other", other);
  c.client_address = "127.0.0.1:1";
  return c;
}

TEST_F(BatchTest, MetadataKeysKeepTenantsApart) {
  auto p = Make("send_batch_size: 4\ntimeout: 1s\nmetadata_keys: [x-tenant]");
  ASSERT_TRUE(p->ConsumeTraces(Tenant("a"), testing::MakeBatch(3, 1)).ok());
  ASSERT_TRUE(p->ConsumeTraces(Tenant("b"), testing::MakeBatch(3, 2)).ok());
  EXPECT_EQ(sink_.batch_count(), 0u);  // neither tenant has 4 spans yet
  ASSERT_TRUE(p->ConsumeTraces(Tenant("a", "y"), testing::MakeBatch(1, 3)).ok());
  ASSERT_EQ(sink_.batch_count(), 1u);
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(4u));
  // The batch goes on with only the metadata_keys entries.
  pipeline::RequestContext sent = sink_.contexts()[0];
  EXPECT_THAT(sent.Get("x-tenant"), ElementsAre("a"));
  EXPECT_TRUE(sent.Get("other").empty());
  EXPECT_TRUE(sent.client_address.empty());
  // Tenant b times out on its own timer.
  env_.clock.Advance(1s);
  ASSERT_EQ(sink_.batch_count(), 2u);
  EXPECT_THAT(sink_.contexts()[1].Get("x-tenant"), ElementsAre("b"));
  EXPECT_EQ(sink_.batch_sizes()[1], 3u);
}

TEST_F(BatchTest, MetadataCardinalityLimitRefusesNewCombinations) {
  auto p = Make("metadata_keys: [x-tenant]\nmetadata_cardinality_limit: 2");
  ASSERT_TRUE(p->ConsumeTraces(Tenant("a"), testing::MakeBatch(1)).ok());
  ASSERT_TRUE(p->ConsumeTraces(Tenant("b"), testing::MakeBatch(1)).ok());
  absl::Status s = p->ConsumeTraces(Tenant("c"), testing::MakeBatch(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("metadata_cardinality_limit"), absl::string_view::npos);
  EXPECT_TRUE(p->ConsumeTraces(Tenant("a"), testing::MakeBatch(1)).ok());  // known ones still go
  p->Shutdown(absl::Now());
  EXPECT_EQ(sink_.span_count(), 3u);
}

TEST_F(BatchTest, WithoutMetadataKeysContextsMerge) {
  auto p = Make("send_batch_size: 2");
  ASSERT_TRUE(p->ConsumeTraces(Tenant("a"), testing::MakeBatch(1)).ok());
  ASSERT_TRUE(p->ConsumeTraces(Tenant("b"), testing::MakeBatch(1)).ok());
  ASSERT_EQ(sink_.batch_count(), 1u);
  EXPECT_TRUE(sink_.contexts()[0].metadata.empty());
}

TEST_F(BatchTest, SendsWhenSizeReached) {
  auto p = Make("send_batch_size: 10\ntimeout: 1s");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(4)).ok());
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(4)).ok());
  EXPECT_EQ(sink_.span_count(), 0u);
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(4)).ok());
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(12));
}

TEST_F(BatchTest, SplitsAtMaxSize) {
  auto p = Make("send_batch_size: 10\nsend_batch_max_size: 10\ntimeout: 1s");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(25)).ok());
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(10, 10));
  env_.clock.Advance(1s);
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(10, 10, 5));
}

TEST_F(BatchTest, TimeoutSendsPartialBatch) {
  auto p = Make("send_batch_size: 100\ntimeout: 200ms");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(3)).ok());
  env_.clock.Advance(199ms);
  EXPECT_EQ(sink_.span_count(), 0u);
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(2)).ok());
  env_.clock.Advance(1ms);
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(5));
  // The next batch gets a fresh timeout, counted from its own first span.
  env_.clock.Advance(150ms);
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(1)).ok());
  env_.clock.Advance(199ms);
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(5));
  env_.clock.Advance(1ms);
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(5, 1));
}

TEST_F(BatchTest, StaleTimerAfterSizeTriggerDoesNotSendEarly) {
  auto p = Make("send_batch_size: 10\ntimeout: 100ms");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(6)).ok());
  env_.clock.Advance(50ms);
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(6)).ok());  // size trigger: 12 sent
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(1)).ok());
  env_.clock.Advance(50ms);  // the first batch's timer fires here: must not send the new one
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(12));
  env_.clock.Advance(50ms);
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(12, 1));
}

TEST_F(BatchTest, ZeroTimeoutSendsImmediately) {
  auto p = Make("timeout: 0s\nsend_batch_max_size: 8192");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(3)).ok());
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(3));
}

TEST_F(BatchTest, ShutdownFlushesAndRefusesMore) {
  auto p = Make("send_batch_size: 100\ntimeout: 10s");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(7)).ok());
  p->Shutdown(absl::Now() + absl::Seconds(1));
  EXPECT_THAT(sink_.batch_sizes(), ElementsAre(7));
  EXPECT_TRUE(absl::IsUnavailable(p->ConsumeTraces(testing::MakeBatch(1))));
}

TEST_F(BatchTest, KeepsEverySpanInOrder) {
  auto p = Make("send_batch_size: 7\nsend_batch_max_size: 9\ntimeout: 1s");
  otlp::ExportRequest expected;
  for (int i = 0; i < 20; ++i) {
    otlp::ExportRequest r = testing::MakeRequest(2, 2, i % 4 + 1, i + 1);
    expected.MergeFrom(r);
    ASSERT_TRUE(p->ConsumeTraces(pipeline::TraceBatch::FromRequest(r)).ok());
  }
  p->Shutdown(absl::Now() + absl::Seconds(1));
  std::vector<std::string> want, got;
  for (const auto& rs : expected.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) want.push_back(s.SerializeAsString());
  sink_.Merged().ForEachSpan(
      [&](const auto&, const auto&, const otlp::Span& s) { got.push_back(s.SerializeAsString()); });
  EXPECT_EQ(got, want);
  for (size_t n : sink_.batch_sizes()) EXPECT_LE(n, 9u);
}

TEST_F(BatchTest, ExportsSendSizeMetrics) {
  auto p = Make("send_batch_size: 5\ntimeout: 100ms");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(5)).ok());
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(2)).ok());
  env_.clock.Advance(100ms);
  std::string text = env_.telemetry.Scrape();
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "otelcol_processor_batch_batch_size_trigger_send{processor=\"batch\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "otelcol_processor_batch_timeout_trigger_send{processor=\"batch\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "otelcol_processor_batch_batch_send_size_count{processor=\"batch\"} 2"));
}

TEST(BatchProcessor, Conformance) { testing::RunProcessorConformance(Factory(), "timeout: 1s"); }

}  // namespace
}  // namespace weir::processors::batch
