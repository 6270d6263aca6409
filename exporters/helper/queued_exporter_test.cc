#include "exporters/helper/queued_exporter.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
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
    options.queue.sizer = config::QueueSizer::kRequests;
    options.queue.queue_size = size;
    options.queue.num_consumers = consumers;
    auto sender = std::make_unique<ControlledSender>();
    sender_ = sender.get();
    auto e =
        std::make_unique<QueuedExporter>(env_.SettingsFor("otlp/x"), options, std::move(sender));
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
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_exporter_sent_spans{exporter=\"otlp/x\"} 3"));
}

TEST_F(QueuedExporterTest, ByteSizedQueueRefusesWhatDoesNotFit) {
  pipeline::TraceBatch probe = testing::MakeBatch(10);
  const int64_t one = static_cast<int64_t>(probe.ByteSize());
  ExporterOptions options;
  options.queue.sizer = config::QueueSizer::kBytes;
  options.queue.queue_size = one * 2 + one / 2;  // room for two batches of 10 spans
  options.queue.num_consumers = 1;
  auto sender = std::make_unique<ControlledSender>();
  ControlledSender* s = sender.get();
  auto e = std::make_unique<QueuedExporter>(env_.SettingsFor("otlp/b"), options, std::move(sender));
  ASSERT_TRUE(e->Start(host_).ok());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(10)).ok());  // taken by the blocked consumer
  for (int i = 0; i < 500 && s->entered.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(10)).ok());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(10)).ok());
  absl::Status full = e->ConsumeTraces(testing::MakeBatch(10));
  EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
  EXPECT_THAT(std::string(full.message()), HasSubstr("bytes"));
  std::string metrics = env_.telemetry.Scrape();
  EXPECT_THAT(metrics, HasSubstr(absl::StrCat("otelcol_exporter_queue_size{exporter=\"otlp/b\"} ",
                                              2 * one)));
  s->Release();
  e->Shutdown(absl::Now() + absl::Seconds(5));
  EXPECT_EQ(s->sent(), 30u);
}

TEST_F(QueuedExporterTest, EmptyQueueTakesOneBatchLargerThanItsCapacity) {
  ExporterOptions options;
  options.queue.sizer = config::QueueSizer::kItems;
  options.queue.queue_size = 5;
  options.queue.num_consumers = 1;
  auto sender = std::make_unique<ControlledSender>();
  ControlledSender* s = sender.get();
  auto e = std::make_unique<QueuedExporter>(env_.SettingsFor("otlp/i"), options, std::move(sender));
  ASSERT_TRUE(e->Start(host_).ok());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(50)).ok());
  for (int i = 0; i < 500 && s->entered.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(50)).ok());  // empty queue: taken
  EXPECT_TRUE(absl::IsResourceExhausted(e->ConsumeTraces(testing::MakeBatch(1))));
  s->Release();
  e->Shutdown(absl::Now() + absl::Seconds(5));
  EXPECT_EQ(s->sent(), 100u);
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

// Fails its first `failures` sends with `error`, then succeeds.
class FlakySender final : public Sender {
 public:
  FlakySender(int failures, absl::Status error) : failures_(failures), error_(error) {}
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time) override {
    if (attempts.fetch_add(1) < failures_) return error_;
    return absl::OkStatus();
  }
  std::atomic<int> attempts{0};

 private:
  int failures_;
  absl::Status error_;
};

class RetryTest : public ::testing::Test {
 protected:
  std::unique_ptr<QueuedExporter> Make(int failures, absl::Status error, bool queue,
                                       config::RetryConfig retry) {
    ExporterOptions options;
    options.queue.enabled = queue;
    options.retry = retry;
    auto sender = std::make_unique<FlakySender>(failures, error);
    sender_ = sender.get();
    auto e =
        std::make_unique<QueuedExporter>(env_.SettingsFor("otlp/r"), options, std::move(sender));
    EXPECT_TRUE(e->Start(host_).ok());
    return e;
  }
  static config::RetryConfig Fast() {
    config::RetryConfig r;
    r.initial_interval = absl::Milliseconds(5);
    r.max_interval = absl::Milliseconds(20);
    r.max_elapsed_time = absl::Seconds(10);
    return r;
  }
  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  FlakySender* sender_ = nullptr;
};

TEST_F(RetryTest, RetryableErrorsAreRetriedUntilSent) {
  auto e = Make(3, absl::UnavailableError("down"), false, Fast());
  EXPECT_TRUE(e->ConsumeTraces(testing::MakeBatch(4)).ok());
  EXPECT_EQ(sender_->attempts.load(), 4);
  std::string metrics = env_.telemetry.Scrape();
  EXPECT_THAT(metrics, HasSubstr("otelcol_exporter_sent_spans{exporter=\"otlp/r\"} 4"));
  EXPECT_THAT(metrics, HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/r\"} 0"));
}

TEST_F(RetryTest, PermanentErrorsAreNotRetried) {
  auto e = Make(100, absl::InvalidArgumentError("bad"), false, Fast());
  EXPECT_TRUE(absl::IsInvalidArgument(e->ConsumeTraces(testing::MakeBatch(2))));
  EXPECT_EQ(sender_->attempts.load(), 1);
}

TEST_F(RetryTest, DisabledRetryFailsAtOnce) {
  config::RetryConfig off = Fast();
  off.enabled = false;
  auto e = Make(100, absl::UnavailableError("down"), false, off);
  EXPECT_TRUE(absl::IsUnavailable(e->ConsumeTraces(testing::MakeBatch(2))));
  EXPECT_EQ(sender_->attempts.load(), 1);
}

TEST_F(RetryTest, GivesUpAfterMaxElapsedTime) {
  config::RetryConfig r = Fast();
  r.max_elapsed_time = absl::Milliseconds(60);
  auto e = Make(1000, absl::UnavailableError("down"), false, r);
  EXPECT_TRUE(absl::IsUnavailable(e->ConsumeTraces(testing::MakeBatch(3))));
  EXPECT_GT(sender_->attempts.load(), 2);
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/r\"} 3"));
}

TEST_F(RetryTest, ShutdownCutsRetriesShortAndCountsTheLoss) {
  config::RetryConfig r = Fast();
  r.initial_interval = absl::Seconds(30);
  r.max_interval = absl::Seconds(30);
  r.max_elapsed_time = absl::ZeroDuration();
  auto e = Make(1000, absl::UnavailableError("down"), true, r);
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(5)).ok());
  for (int i = 0; i < 500 && sender_->attempts.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  absl::Time start = absl::Now();
  e->Shutdown(absl::Now() + absl::Milliseconds(100));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/r\"} 5"));
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
  EXPECT_TRUE(o.retry.enabled);  // otelcol's default once an exporter decodes its options
  EXPECT_EQ(o.retry.initial_interval, absl::Seconds(5));
}

config::Diagnostics DecodeOptions(const std::string& yaml, ExporterOptions* o) {
  config::Diagnostics d;
  config::Node node(YAML::Load(yaml), "exporters.x", &d);
  DecodeExporterOptions(node, o);
  return d;
}

TEST(ExporterOptions, RejectsRetrySettingsThatWouldSpin) {
  struct Case {
    const char* yaml;
    const char* path;
    const char* message;
  } cases[] = {
      {"retry_on_failure: {initial_interval: 0s}", "exporters.x.retry_on_failure.initial_interval",
       "greater than 0"},
      {"retry_on_failure: {max_interval: 0s, max_elapsed_time: 0s}",
       "exporters.x.retry_on_failure.max_interval", "greater than 0"},
      {"retry_on_failure: {multiplier: 0.5}", "exporters.x.retry_on_failure.multiplier",
       "at least 1"},
      {"retry_on_failure: {multiplier: 0}", "exporters.x.retry_on_failure.multiplier",
       "at least 1"},
      {"retry_on_failure: {multiplier: -1}", "exporters.x.retry_on_failure.multiplier",
       "non-negative"},
  };
  for (const Case& c : cases) {
    ExporterOptions o;
    config::Diagnostics d = DecodeOptions(c.yaml, &o);
    ASSERT_EQ(d.problems().size(), 1u) << c.yaml << "\n" << d.ToString();
    EXPECT_EQ(d.problems()[0].path, c.path) << c.yaml;
    EXPECT_THAT(d.problems()[0].message, HasSubstr(c.message)) << c.yaml;
  }
}

TEST(ExporterOptions, AcceptsWhatOtelcolAccepts) {
  for (const char* yaml : {
           // Disabled: the values are never used.
           "retry_on_failure: {enabled: false, initial_interval: 0s, multiplier: 0.5}",
           // A max_interval below initial_interval: the later waits are max_interval.
           "retry_on_failure: {initial_interval: 10s, max_interval: 2s}",
           "retry_on_failure: {multiplier: 1}",
       }) {
    ExporterOptions o;
    config::Diagnostics d = DecodeOptions(yaml, &o);
    EXPECT_TRUE(d.ok()) << yaml << "\n" << d.ToString();
  }
}

}  // namespace
}  // namespace weir::exporters::helper
