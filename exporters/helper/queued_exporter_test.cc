#include "exporters/helper/queued_exporter.h"

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/conformance.h"
#include "tests/testing/span_generator.h"

namespace weir::exporters::helper {
namespace {

using ::testing::HasSubstr;

// A sender whose sends block until released, and that can be told to fail.
class ControlledSender final : public Sender {
 public:
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override {
    entered.fetch_add(1);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return released_; });
    if (!fail_.ok()) return fail_;
    sent_ += batch.span_count();
    return absl::OkStatus();
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void FailWith(absl::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = s;
  }
  std::atomic<int> entered{0};

  size_t sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  absl::Status fail_;
  size_t sent_ = 0;
};

class QueuedExporterTest : public ::testing::Test {
 protected:
  std::unique_ptr<QueuedExporter> Make(bool queue, int size, int consumers) {
    ExporterOptions options;
    options.queue.enabled = queue;
    options.queue.queue_size = size;
    options.queue.num_consumers = consumers;
    auto sender = std::make_unique<ControlledSender>();
    sender_ = sender.get();
    auto e = std::make_unique<QueuedExporter>(env_.SettingsFor("otlp/x"), options, std::move(sender));
    EXPECT_TRUE(e->Start(host_).ok());
    return e;
  }
  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  ControlledSender* sender_ = nullptr;
};

TEST_F(QueuedExporterTest, FullQueueRefusesWithResourceExhausted) {
  auto e = Make(true, 2, 1);
  // One batch is taken by the consumer (blocked in Send), two fill the queue.
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(1)).ok());
  for (int i = 0; i < 500 && sender_->entered.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(1)).ok());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(1)).ok());
  absl::Status full = e->ConsumeTraces(testing::MakeBatch(4));
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
  std::string metrics = env_.telemetry.Scrape();
  EXPECT_THAT(metrics, HasSubstr("otelcol_exporter_enqueue_failed_spans{exporter=\"otlp/x\"} 4"));
  EXPECT_THAT(metrics, HasSubstr("otelcol_exporter_queue_capacity{exporter=\"otlp/x\"} 2"));
  sender_->Release();
  e->Shutdown(absl::Now() + absl::Seconds(5));
  EXPECT_EQ(sender_->sent(), 3u);
  EXPECT_THAT(env_.telemetry.Scrape(), HasSubstr("otelcol_exporter_sent_spans{exporter=\"otlp/x\"} 3"));
}

TEST_F(QueuedExporterTest, ShutdownDrainsTheQueue) {
  auto e = Make(true, 100, 2);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(5)).ok());
  sender_->Release();
  e->Shutdown(absl::Now() + absl::Seconds(5));
  EXPECT_EQ(sender_->sent(), 100u);
  EXPECT_TRUE(absl::IsUnavailable(e->ConsumeTraces(testing::MakeBatch(1))));
}

TEST_F(QueuedExporterTest, ShutdownDeadlineDropsAndCountsTheRest) {
  auto e = Make(true, 100, 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sender_->Release();
  });
  e->Shutdown(absl::Now() + absl::Milliseconds(50));
  release.join();
  // The batch already in Send completes; the queued ones are dropped and counted as failed.
  EXPECT_EQ(sender_->sent(), 2u);
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/x\"} 8"));
}

TEST_F(QueuedExporterTest, FailedSendsAreCounted) {
  auto e = Make(false, 1, 1);
  sender_->Release();
  sender_->FailWith(absl::InvalidArgumentError("bad data"));
  EXPECT_TRUE(absl::IsInvalidArgument(e->ConsumeTraces(testing::MakeBatch(3))));
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/x\"} 3"));
}

TEST(ExporterOptions, DecodesAndValidates) {
  config::Diagnostics d;
  config::Node node(YAML::Load("timeout: 0s\nsending_queue: {enabled: false, queue_size: 5, "
                               "num_consumers: 2}"),
                    "exporters.x", &d);
  ExporterOptions o;
  DecodeExporterOptions(node, &o);
  ASSERT_EQ(d.problems().size(), 1u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "exporters.x.timeout");
  EXPECT_FALSE(o.queue.enabled);
  EXPECT_EQ(o.queue.queue_size, 5);
  EXPECT_EQ(o.queue.num_consumers, 2);
}

}  // namespace
}  // namespace weir::exporters::helper
