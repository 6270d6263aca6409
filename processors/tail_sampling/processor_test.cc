#include "processors/tail_sampling/processor.h"

#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/sampling_control.h"
#include "processors/tail_sampling/factory.h"
#include "processors/tail_sampling/test_spans.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"

namespace weir::processors::tail_sampling {
namespace {

using test::Spans;
using test::SpanSpec;
using test::Str;
using test::TraceNumbers;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using namespace std::chrono_literals;

constexpr const char* kErrorsOnly = R"(
decision_wait: 10s
policies:
  - name: errors
    type: status_code
    status_code: {status_codes: [ERROR]}
)";

// A consumer that refuses with a retryable error while `refusing` is set.
class SwitchableConsumer : public pipeline::TracesConsumer {
 public:
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& c, pipeline::TraceBatch b) override {
    if (refusing.load()) return absl::UnavailableError("backend down");
    return sink.ConsumeTraces(c, std::move(b));
  }
  std::atomic<bool> refusing{false};
  testing::SinkConsumer sink;
};

class TailSamplingTest : public ::testing::Test {
 protected:
  std::unique_ptr<Processor> Make(const std::string& yaml) {
    config::Diagnostics d;
    auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "tail_sampling", &d));
    EXPECT_TRUE(d.ok()) << d.ToString();
    auto p = std::make_unique<Processor>(env_.SettingsFor("tail_sampling"), *cfg, next_);
    EXPECT_TRUE(p->Start(host_).ok());
    return p;
  }
  std::vector<int> Delivered() { return TraceNumbers(next_.sink.Merged()); }
  double Metric(const std::string& name) { return env_.telemetry.Sum(name); }

  testing::TestEnvironment env_;
  SwitchableConsumer next_;
  testing::RecordingHost host_;
};

TEST_F(TailSamplingTest, KeepsErrorTracesWholeAfterDecisionWait) {
  auto p = Make(kErrorsOnly);
  // Trace 1 has an error in its second batch; trace 2 never errs.
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .span = 1}, {.trace = 2, .span = 1}})).ok());
  env_.clock.Advance(1s);
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .span = 2, .parent = 1, .status = 2},
                                      {.trace = 2, .span = 2, .parent = 1}}))
                  .ok());
  env_.clock.Advance(8s);
  EXPECT_EQ(next_.sink.span_count(), 0u);  // nothing decided before decision_wait
  EXPECT_EQ(p->pending_traces(), 2u);
  env_.clock.Advance(2s);
  EXPECT_EQ(next_.sink.span_count(), 2u);
  EXPECT_THAT(Delivered(), ElementsAre(1));
  EXPECT_EQ(p->pending_traces(), 0u);
  EXPECT_EQ(Metric("otelcol_processor_tail_sampling_global_count_traces_sampled"), 2);
  EXPECT_EQ(Metric("otelcol_processor_tail_sampling_new_trace_id_received"), 2);
}

TEST_F(TailSamplingTest, RootReceivedShortensTheWait) {
  auto p = Make(std::string(kErrorsOnly) + "decision_wait_after_root_received: 1s\n");
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .span = 2, .parent = 1, .status = 2}})).ok());
  env_.clock.Advance(3s);
  EXPECT_EQ(next_.sink.span_count(), 0u);  // no root yet: waits for decision_wait
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .span = 1}})).ok());
  env_.clock.Advance(900ms);
  EXPECT_EQ(next_.sink.span_count(), 0u);
  env_.clock.Advance(200ms);
  EXPECT_EQ(next_.sink.span_count(), 2u);
}

TEST_F(TailSamplingTest, LateSpansFollowTheirTracesDecision) {
  auto p = Make(kErrorsOnly);
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .status = 2}, {.trace = 2}})).ok());
  env_.clock.Advance(11s);
  ASSERT_EQ(next_.sink.span_count(), 1u);
  // A late span of the kept trace passes at once; one of the dropped trace is dropped, even
  // though it carries an error itself.
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .span = 9, .parent = 1},
                                      {.trace = 2, .span = 9, .parent = 1, .status = 2}}))
                  .ok());
  EXPECT_EQ(next_.sink.span_count(), 2u);
  EXPECT_EQ(p->pending_traces(), 0u);
  EXPECT_EQ(Metric("weir_processor_tail_sampling_late_spans_dropped"), 1);
  env_.clock.Advance(20s);
  EXPECT_EQ(next_.sink.span_count(), 2u);
}

TEST_F(TailSamplingTest, WithoutCachesALateSpanStartsANewTrace) {
  auto p = Make(std::string(kErrorsOnly) +
                "decision_cache: {sampled_cache_size: 0, non_sampled_cache_size: 0}\n");
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 2}})).ok());
  env_.clock.Advance(11s);
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 2, .span = 9, .parent = 1, .status = 2}})).ok());
  EXPECT_EQ(p->pending_traces(), 1u);  // otelcol's behaviour: decided again, alone
  env_.clock.Advance(11s);
  EXPECT_EQ(next_.sink.span_count(), 1u);
}

TEST_F(TailSamplingTest, NumTracesReachedDecidesTheOldestEarly) {
  auto p = Make(std::string(kErrorsOnly) + "num_traces: 3\n");
  for (int t = 1; t <= 5; ++t) {
    ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = t, .status = t == 1 ? 2 : 0}})).ok());
  }
  EXPECT_EQ(p->pending_traces(), 3u);
  EXPECT_EQ(Metric("weir_processor_tail_sampling_early_decisions"), 2);
  // Trace 1 (an error) was decided early and kept, not evicted.
  EXPECT_THAT(Delivered(), ElementsAre(1));
}

TEST_F(TailSamplingTest, ByteCapDecidesTheOldestEarly) {
  auto p = Make(std::string(kErrorsOnly) + "max_buffered_bytes: 2000\n");
  for (int t = 1; t <= 50; ++t) ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = t}})).ok());
  EXPECT_LT(p->pending_traces(), 50u);
  EXPECT_GT(Metric("weir_processor_tail_sampling_early_decisions"), 0);
  // What pending traces hold stays within the cap (plus the one chunk being added).
  const size_t one_chunk = Spans({{.trace = 1}}).MemoryBytes();
  EXPECT_LE(p->held_bytes(), 2000u + one_chunk);
}

TEST_F(TailSamplingTest, TooLargeTraceIsDecidedAtOnceAndItsLaterSpansFollow) {
  auto p = Make(R"(
decision_wait: 10s
maximum_trace_size_bytes: 200
policies: [{name: all, type: always_sample}]
)");
  std::vector<SpanSpec> big;
  for (int i = 1; i <= 10; ++i) big.push_back({.trace = 1, .span = i, .parent = i == 1 ? 0 : 1});
  ASSERT_TRUE(p->ConsumeTraces(Spans(big)).ok());
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .span = 20, .parent = 1}})).ok());
  EXPECT_EQ(p->pending_traces(), 0u);
  EXPECT_EQ(Metric("otelcol_processor_tail_sampling_traces_dropped_too_large"), 1);
  env_.clock.Advance(11s);
  EXPECT_EQ(next_.sink.span_count(), 0u);
}

TEST_F(TailSamplingTest, SpansOfOneTraceFromManyThreads) {
  auto p = Make(R"(
decision_wait: 5s
policies: [{name: all, type: always_sample}]
)");
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) {
        // Every thread adds a span to each of traces 1..10.
        int trace = i % 10 + 1;
        EXPECT_TRUE(
            p->ConsumeTraces(Spans({{.trace = trace, .span = w * 100 + i + 1, .parent = 1}})).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(p->pending_traces(), 10u);
  env_.clock.Advance(6s);
  EXPECT_EQ(next_.sink.span_count(), 200u);
  EXPECT_EQ(Metric("otelcol_processor_tail_sampling_global_count_traces_sampled"), 10);
}

TEST_F(TailSamplingTest, ShutdownDecidesPendingTraces) {
  auto p = Make(kErrorsOnly);
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .status = 2}, {.trace = 2}})).ok());
  p->Shutdown(absl::Now() + absl::Seconds(1));
  EXPECT_THAT(Delivered(), ElementsAre(1));
  EXPECT_TRUE(absl::IsUnavailable(p->ConsumeTraces(Spans({{.trace = 3}}))));
}

TEST_F(TailSamplingTest, ShutdownCanDropPendingTracesCounted) {
  auto p = Make(std::string(kErrorsOnly) + "drop_pending_traces_on_shutdown: true\n");
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .status = 2}, {.trace = 2}})).ok());
  p->Shutdown(absl::Now() + absl::Seconds(1));
  EXPECT_EQ(next_.sink.span_count(), 0u);
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 2);
}

TEST_F(TailSamplingTest, RefusedKeptTracesAreHeldAndIntakePushesBack) {
  auto p = Make(kErrorsOnly);
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .status = 2}})).ok());
  next_.refusing = true;
  env_.clock.Advance(11s);
  EXPECT_EQ(next_.sink.span_count(), 0u);
  absl::Status s = p->ConsumeTraces(Spans({{.trace = 2}}));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_EQ(Metric("otelcol_processor_refused_spans"), 1);
  next_.refusing = false;
  env_.clock.Advance(1s);  // the next tick offers the held trace again
  EXPECT_EQ(next_.sink.span_count(), 1u);
  EXPECT_TRUE(p->ConsumeTraces(Spans({{.trace = 2}})).ok());
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 0);
}

TEST_F(TailSamplingTest, PermanentRefusalIsCountedAsDropped) {
  testing::FailingConsumer failing(absl::InvalidArgumentError("bad"));
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(kErrorsOnly), "tail_sampling", &d));
  Processor p(env_.SettingsFor("tail_sampling"), *cfg, failing);
  ASSERT_TRUE(p.Start(host_).ok());
  ASSERT_TRUE(p.ConsumeTraces(Spans({{.trace = 1, .status = 2}, {.trace = 1, .span = 2}})).ok());
  env_.clock.Advance(11s);
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), 2);
  p.Shutdown(absl::Now());
}

TEST_F(TailSamplingTest, RecordPolicyNamesTheDecidingPolicyOnTheScope) {
  auto p = Make(R"(
decision_wait: 1s
record_policy: true
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: everything, type: always_sample}
)");
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .status = 2}, {.trace = 2}})).ok());
  env_.clock.Advance(2s);
  std::map<int, std::string> policy_of;
  next_.sink.Merged().ForEachSpanView([&](const pipeline::SpanView& s) {
    auto v = s.scope().FindAttribute("tailsampling.policy");
    ASSERT_TRUE(v.has_value());
    policy_of[static_cast<unsigned char>(s.trace_id()[15])] = std::string(v->bytes);
  });
  EXPECT_EQ(policy_of[1], "errors");
  EXPECT_EQ(policy_of[2], "everything");
}

TEST_F(TailSamplingTest, SampleOnFirstMatchStopsEvaluating) {
  auto p = Make(R"(
decision_wait: 1s
sample_on_first_match: true
policies:
  - {name: all, type: always_sample}
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)");
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1}})).ok());
  env_.clock.Advance(2s);
  EXPECT_EQ(next_.sink.span_count(), 1u);
  // Only the first policy voted.
  EXPECT_EQ(Metric("otelcol_processor_tail_sampling_count_traces_sampled"), 1);
}

TEST_F(TailSamplingTest, DropPoliciesAreAskedFirst) {
  auto p = Make(R"(
decision_wait: 1s
sample_on_first_match: true
policies:
  - {name: all, type: always_sample}
  - {name: no-health, type: drop, drop: {drop_sub_policy: [
      {name: h, type: string_attribute, string_attribute: {key: route, values: [/health]}}]}}
)");
  ASSERT_TRUE(
      p->ConsumeTraces(Spans({{.trace = 1, .attributes = {Str("route", "/health")}}})).ok());
  env_.clock.Advance(2s);
  EXPECT_EQ(next_.sink.span_count(), 0u);
}

TEST_F(TailSamplingTest, DropPolicyWinsOverSample) {
  auto p = Make(R"(
decision_wait: 1s
policies:
  - {name: all, type: always_sample}
  - {name: no-health, type: drop, drop: {drop_sub_policy: [
      {name: h, type: string_attribute, string_attribute: {key: route, values: [/health]}}]}}
)");
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 1, .attributes = {Str("route", "/health")}},
                                      {.trace = 2, .attributes = {Str("route", "/api")}}}))
                  .ok());
  env_.clock.Advance(2s);
  EXPECT_THAT(Delivered(), ElementsAre(2));
}

TEST_F(TailSamplingTest, ABoostKeepsWhatThePoliciesWouldNotUntilItEnds) {
  auto& control = pipeline::SamplingControl::Process();
  control.Reset();
  auto p = Make(kErrorsOnly);
  pipeline::SamplingControl::Boost b;
  b.service = "checkout";
  b.ends = absl::Now() + absl::Minutes(5);
  const uint64_t boost = control.AddBoost(b)->id;
  ASSERT_TRUE(p->ConsumeTraces(
                   Spans({{.trace = 1, .service = "checkout"}, {.trace = 2, .service = "search"}}))
                  .ok());
  env_.clock.Advance(11s);
  EXPECT_THAT(Delivered(), ElementsAre(1));
  EXPECT_EQ(Metric("weir_processor_tail_sampling_boosted_traces"), 1);

  // Explain: each policy's vote, the boost, the decision.
  auto kept = control.Explain(test::TraceId(1));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_TRUE(kept[0].sampled);
  EXPECT_EQ(kept[0].boost, boost);
  EXPECT_EQ(kept[0].processor, "tail_sampling");
  ASSERT_EQ(kept[0].vote_count, 1);
  EXPECT_EQ((*kept[0].policies)[0], "errors");
  EXPECT_EQ(kept[0].votes[0], 0);  // not sampled by the policy
  auto dropped = control.Explain(test::TraceId(2));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_FALSE(dropped[0].sampled);
  EXPECT_EQ(dropped[0].boost, 0u);

  // Ended: the service's traces are sampled by the policies alone again.
  ASSERT_TRUE(control.RemoveBoost(boost));
  ASSERT_TRUE(p->ConsumeTraces(Spans({{.trace = 3, .service = "checkout"}})).ok());
  env_.clock.Advance(11s);
  EXPECT_THAT(Delivered(), ElementsAre(1));
  control.Reset();
}

TEST_F(TailSamplingTest, AReloadHandsPendingTracesAndCachesToTheNewInstance) {
  auto before = Make(kErrorsOnly);
  ASSERT_TRUE(before->ConsumeTraces(Spans({{.trace = 9, .status = 2}})).ok());
  env_.clock.Advance(11s);  // trace 9 decided (kept) and remembered
  ASSERT_EQ(next_.sink.span_count(), 1u);
  ASSERT_TRUE(before->ConsumeTraces(Spans({{.trace = 1, .status = 2}, {.trace = 2}})).ok());
  env_.clock.Advance(3s);

  // The reload: the new instance is built, the old one drains, then the new one starts.
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(kErrorsOnly), "tail_sampling", &d));
  auto after = std::make_unique<Processor>(env_.SettingsFor("tail_sampling"), *cfg, next_);
  before->Shutdown(absl::Now() + absl::Seconds(1));
  EXPECT_EQ(next_.sink.span_count(), 1u);  // the old one had nothing left to decide
  EXPECT_EQ(before->pending_traces(), 0u);
  EXPECT_EQ(after->pending_traces(), 2u);
  before.reset();
  ASSERT_TRUE(after->Start(host_).ok());

  // The decisions moved too: a late span of trace 9 passes at once; a late span of trace 1
  // joins its pending trace, decided whole at its original time.
  ASSERT_TRUE(after->ConsumeTraces(Spans({{.trace = 9, .span = 5, .parent = 1}})).ok());
  EXPECT_EQ(next_.sink.span_count(), 2u);
  ASSERT_TRUE(after->ConsumeTraces(Spans({{.trace = 1, .span = 5, .parent = 1}})).ok());
  env_.clock.Advance(8s);
  EXPECT_EQ(next_.sink.span_count(), 4u);
  EXPECT_THAT(Delivered(), ElementsAre(9, 1));
  EXPECT_EQ(after->held_bytes(), 0u);  // everything decided: the moved chunks are released
}

TEST(TailSamplingProcessor, Conformance) {
  testing::RunProcessorConformance(Factory(), "policies: [{name: all, type: always_sample}]");
}

}  // namespace
}  // namespace weir::processors::tail_sampling
