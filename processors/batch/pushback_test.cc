// The batch processor never acknowledges what it then drops silently: downstream refusals hold
// the batch and push back on new requests; drops are counted.
#include <atomic>
#include <chrono>
#include <mutex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "processors/batch/processor.h"
#include "tests/testing/conformance.h"
#include "tests/testing/span_generator.h"

namespace weir::processors::batch {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// A next consumer that refuses with `status` until told otherwise, and counts what it took.
class GateConsumer : public pipeline::TracesConsumer {
 public:
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext&, pipeline::TraceBatch batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!status_.ok()) return status_;
    taken_ += batch.span_count();
    return absl::OkStatus();
  }
  void Refuse(absl::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(s);
  }
  size_t taken() {
    std::lock_guard<std::mutex> lock(mu_);
    return taken_;
  }

 private:
  std::mutex mu_;
  absl::Status status_;
  size_t taken_ = 0;
};

class PushbackTest : public ::testing::Test {
 protected:
  std::unique_ptr<Processor> Make(const std::string& yaml) {
    config::Diagnostics d;
    auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "processors.batch", &d));
    EXPECT_TRUE(d.ok()) << d.ToString();
    auto p = std::make_unique<Processor>(env_.SettingsFor("batch"), *cfg, next_);
    EXPECT_TRUE(p->Start(host_).ok());
    return p;
  }
  std::string Metric(const std::string& name) {
    std::string text = env_.telemetry.Scrape();
    std::string key = name + "{processor=\"batch\"} ";
    size_t at = text.find(key);
    return at == std::string::npos ? "absent" : text.substr(at + key.size(), text.find('\n', at) - at - key.size());
  }
  testing::TestEnvironment env_;
  GateConsumer next_;
  testing::RecordingHost host_;
};

TEST_F(PushbackTest, RetryableRefusalHoldsTheBatchAndRefusesNewRequests) {
  auto p = Make("send_batch_size: 10\ntimeout: 1s");
  next_.Refuse(absl::ResourceExhaustedError("otlp: sending queue is full"));
  // The size trigger sends 10 spans; they are refused downstream, but were acknowledged, so the
  // processor keeps them.
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(10)).ok());
  absl::Status s = p->ConsumeTraces(testing::MakeBatch(3));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("sending queue is full"));
  EXPECT_EQ(Metric("otelcol_processor_refused_spans"), "3");
  // Still refused: the held batch is retried on the retry timer, and refused again.
  env_.clock.Advance(100ms);
  EXPECT_TRUE(absl::IsResourceExhausted(p->ConsumeTraces(testing::MakeBatch(1))));
  EXPECT_EQ(next_.taken(), 0u);
  // Downstream recovers: the next retry delivers the held batch, and intake opens again.
  next_.Refuse(absl::OkStatus());
  env_.clock.Advance(100ms);
  EXPECT_EQ(next_.taken(), 10u);
  EXPECT_TRUE(p->ConsumeTraces(testing::MakeBatch(10)).ok());
  EXPECT_EQ(next_.taken(), 20u);
  p->Shutdown(absl::Now() + absl::Seconds(1));
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), "0");
}

TEST_F(PushbackTest, ANewRequestRetriesTheHeldBatchFirst) {
  auto p = Make("send_batch_size: 5\ntimeout: 1s");
  next_.Refuse(absl::UnavailableError("backend down"));
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(5)).ok());
  next_.Refuse(absl::OkStatus());
  // No timer has fired: the request itself offers the held batch, then is accepted.
  EXPECT_TRUE(p->ConsumeTraces(testing::MakeBatch(5)).ok());
  EXPECT_EQ(next_.taken(), 10u);
}

TEST_F(PushbackTest, TimeoutBatchRefusedIsHeldToo) {
  auto p = Make("send_batch_size: 100\ntimeout: 200ms");
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(7)).ok());
  next_.Refuse(absl::ResourceExhaustedError("full"));
  env_.clock.Advance(200ms);
  EXPECT_TRUE(absl::IsResourceExhausted(p->ConsumeTraces(testing::MakeBatch(1))));
  next_.Refuse(absl::OkStatus());
  env_.clock.Advance(100ms);
  EXPECT_EQ(next_.taken(), 7u);
}

TEST_F(PushbackTest, PermanentRefusalDropsAndCounts) {
  auto p = Make("send_batch_size: 4\ntimeout: 1s");
  next_.Refuse(absl::InvalidArgumentError("bad data"));
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(4)).ok());
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), "4");
  // Nothing held: intake stays open.
  next_.Refuse(absl::OkStatus());
  EXPECT_TRUE(p->ConsumeTraces(testing::MakeBatch(4)).ok());
  EXPECT_EQ(next_.taken(), 4u);
}

TEST_F(PushbackTest, ShutdownCountsWhatDownstreamStillRefuses) {
  auto p = Make("send_batch_size: 6\ntimeout: 1s");
  next_.Refuse(absl::ResourceExhaustedError("full"));
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(6)).ok());  // held
  absl::Time start = absl::Now();
  p->Shutdown(absl::Now() + absl::Milliseconds(150));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), "6");
  EXPECT_EQ(next_.taken(), 0u);
}

TEST_F(PushbackTest, ShutdownDeliversHeldBatchesWhenDownstreamRecovers) {
  auto p = Make("send_batch_size: 6\ntimeout: 1s");
  next_.Refuse(absl::ResourceExhaustedError("full"));
  ASSERT_TRUE(p->ConsumeTraces(testing::MakeBatch(6)).ok());
  next_.Refuse(absl::OkStatus());
  p->Shutdown(absl::Now() + absl::Seconds(5));
  EXPECT_EQ(next_.taken(), 6u);
  EXPECT_EQ(Metric("otelcol_processor_dropped_spans"), "0");
}

// Acknowledged = delivered + counted, however refusals and recoveries interleave.
TEST_F(PushbackTest, EveryAcknowledgedSpanIsDeliveredOrCounted) {
  auto p = Make("send_batch_size: 7\ntimeout: 50ms");
  size_t acked = 0;
  for (int i = 0; i < 400; ++i) {
    if (i % 37 == 0) next_.Refuse(absl::ResourceExhaustedError("full"));
    if (i % 37 == 20) next_.Refuse(absl::OkStatus());
    if (i % 91 == 50) next_.Refuse(absl::InvalidArgumentError("bad"));
    if (i % 91 == 52) next_.Refuse(absl::OkStatus());
    size_t n = 1 + i % 5;
    if (p->ConsumeTraces(testing::MakeBatch(n)).ok()) acked += n;
    if (i % 3 == 0) env_.clock.Advance(50ms);
  }
  next_.Refuse(absl::ResourceExhaustedError("full"));
  p->Shutdown(absl::Now() + absl::Milliseconds(100));
  size_t dropped = std::stoul(Metric("otelcol_processor_dropped_spans"));
  EXPECT_GT(acked, 0u);
  EXPECT_EQ(next_.taken() + dropped, acked);
}

}  // namespace
}  // namespace weir::processors::batch
