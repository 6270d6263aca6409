#include "exporters/helper/queued_exporter.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/conformance.h"
#include "tests/testing/span_generator.h"

namespace weir::exporters::helper {
namespace {

using ::testing::HasSubstr;

// Polls `condition` until it holds or 10 s pass; returns whether it held. For conditions that
// other threads make true.
bool WaitUntil(const std::function<bool()>& condition) {
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A sender whose sends block until released (only the first `blocking` ones, when set), and
// that can be told to fail. It records how many sends were running when it was shut down.
class ControlledSender final : public Sender {
 public:
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    ++active_;
    cv_.notify_all();
    if (entered_ <= blocking_) cv_.wait(lock, [&] { return released_; });
    --active_;
    if (!fail_.ok()) return fail_;
    sent_ += batch.span_count();
    return absl::OkStatus();
  }
  void Shutdown() override {
    std::lock_guard<std::mutex> lock(mu_);
    active_at_shutdown_ = active_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void BlockOnly(int sends) {
    std::lock_guard<std::mutex> lock(mu_);
    blocking_ = sends;
  }
  void FailWith(absl::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_ = s;
  }
  // Waits until `n` sends have begun; false after 10 s.
  bool WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; });
  }
  size_t sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  int active_at_shutdown() {
    std::lock_guard<std::mutex> lock(mu_);
    return active_at_shutdown_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  absl::Status fail_;
  int blocking_ = std::numeric_limits<int>::max();
  int entered_ = 0;
  int active_ = 0;
  int active_at_shutdown_ = -1;
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
  ASSERT_TRUE(sender_->WaitEntered(1));
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
  ASSERT_TRUE(s->WaitEntered(1));
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
  ASSERT_TRUE(s->WaitEntered(1));
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
  EXPECT_EQ(sender_->active_at_shutdown(), 0);
  EXPECT_TRUE(absl::IsUnavailable(e->ConsumeTraces(testing::MakeBatch(1))));
}

TEST_F(QueuedExporterTest, ShutdownDeadlineDropsAndCountsTheRest) {
  auto e = Make(true, 100, 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  ASSERT_TRUE(sender_->WaitEntered(1));
  const absl::Time deadline = absl::Now() + absl::Milliseconds(50);
  // The send in progress outlives the deadline; it is let go once the deadline has passed.
  std::thread release([&] {
    std::this_thread::sleep_until(absl::ToChronoTime(deadline + absl::Milliseconds(10)));
    sender_->Release();
  });
  e->Shutdown(deadline);
  release.join();
  // The batch already in Send completes; the queued ones are dropped and counted as failed.
  EXPECT_EQ(sender_->sent(), 2u);
  EXPECT_EQ(sender_->active_at_shutdown(), 0);
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/x\"} 8"));
}

TEST_F(QueuedExporterTest, WithoutAQueueShutdownWaitsForSendsInFlight) {
  auto e = Make(false, 1, 1);
  sender_->BlockOnly(1);
  std::thread caller([&] { EXPECT_TRUE(e->ConsumeTraces(testing::MakeBatch(3)).ok()); });
  ASSERT_TRUE(sender_->WaitEntered(1));
  std::thread stopper([&] { e->Shutdown(absl::Now() + absl::Seconds(10)); });
  // Once intake is closed, Shutdown has begun; the send it must wait for is still blocked.
  // Probes sent before that go through.
  size_t probed = 0;
  ASSERT_TRUE(WaitUntil([&] {
    absl::Status s = e->ConsumeTraces(testing::MakeBatch(1));
    if (s.ok()) ++probed;
    return absl::IsUnavailable(s);
  }));
  sender_->Release();
  caller.join();
  stopper.join();
  EXPECT_EQ(sender_->active_at_shutdown(), 0);
  EXPECT_EQ(sender_->sent(), 3u + probed);
}

TEST_F(QueuedExporterTest, WithoutAQueueFailuresAreTheCallersRefusalsNotDrops) {
  auto e = Make(false, 1, 1);
  sender_->Release();
  sender_->FailWith(absl::InvalidArgumentError("bad data"));
  EXPECT_TRUE(absl::IsInvalidArgument(e->ConsumeTraces(testing::MakeBatch(3))));
  sender_->FailWith(absl::UnavailableError("down"));
  EXPECT_TRUE(absl::IsUnavailable(e->ConsumeTraces(testing::MakeBatch(2))));
  // The caller still owns refused spans and counts them; the exporter dropped nothing.
  std::string metrics = env_.telemetry.Scrape();
  EXPECT_THAT(metrics, HasSubstr("otelcol_exporter_send_failed_spans{exporter=\"otlp/x\"} 0"));
  EXPECT_THAT(metrics, HasSubstr("otelcol_exporter_sent_spans{exporter=\"otlp/x\"} 0"));
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

// Retries run on the test environment's fake clock: time moves only by Advance.
class RetryTest : public ::testing::Test {
 protected:
  std::unique_ptr<QueuedExporter> Make(int failures, absl::Status error, bool queue,
                                       config::RetryConfig retry, int consumers = 1) {
    ExporterOptions options;
    options.queue.enabled = queue;
    options.queue.num_consumers = consumers;
    options.retry = retry;
    auto sender = std::make_unique<FlakySender>(failures, error);
    sender_ = sender.get();
    auto e =
        std::make_unique<QueuedExporter>(env_.SettingsFor("otlp/r"), options, std::move(sender));
    EXPECT_TRUE(e->Start(host_).ok());
    return e;
  }
  // 1s, 2s, 4s, ... up to 8s, without jitter.
  static config::RetryConfig Exact() {
    config::RetryConfig r;
    r.initial_interval = absl::Seconds(1);
    r.randomization_factor = 0;
    r.multiplier = 2;
    r.max_interval = absl::Seconds(8);
    r.max_elapsed_time = absl::Seconds(300);
    return r;
  }
  double Metric(const std::string& name) { return env_.ExporterMetric(name, "otlp/r"); }
  // Waits until `attempts` sends were made and a retry wait is pending (or, with `waiting`
  // false, until none is).
  bool WaitForAttempt(int attempts, bool waiting = true) {
    return WaitUntil([&] {
      return sender_->attempts.load() == attempts && (env_.clock.pending_timers() == 1) == waiting;
    });
  }
  void Advance(absl::Duration d) { env_.clock.Advance(absl::ToChronoNanoseconds(d)); }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  FlakySender* sender_ = nullptr;
};

TEST_F(RetryTest, RetryableErrorsAreRetriedOnTheClockUntilSent) {
  auto e = Make(3, absl::UnavailableError("down"), true, Exact());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(4)).ok());
  ASSERT_TRUE(WaitForAttempt(1));
  Advance(absl::Milliseconds(999));
  EXPECT_EQ(env_.clock.pending_timers(), 1u);  // 1s has not passed: no retry yet
  EXPECT_EQ(sender_->attempts.load(), 1);
  Advance(absl::Milliseconds(1));
  ASSERT_TRUE(WaitForAttempt(2));
  Advance(absl::Seconds(2));
  ASSERT_TRUE(WaitForAttempt(3));
  Advance(absl::Seconds(4));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 4; }));
  EXPECT_EQ(sender_->attempts.load(), 4);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, TheServersDelayReplacesAShorterBackoff) {
  auto e = Make(1, WithRetryDelay(absl::UnavailableError("slow down"), absl::Seconds(20)), true,
                Exact());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  ASSERT_TRUE(WaitForAttempt(1));
  Advance(absl::Seconds(1));  // the backoff alone would retry now
  EXPECT_EQ(env_.clock.pending_timers(), 1u);
  Advance(absl::Seconds(19) - absl::Nanoseconds(1));
  EXPECT_EQ(env_.clock.pending_timers(), 1u);
  EXPECT_EQ(sender_->attempts.load(), 1);
  Advance(absl::Nanoseconds(1));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 2; }));
  EXPECT_EQ(sender_->attempts.load(), 2);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, AShorterServerDelayDoesNotSpeedUpTheBackoff) {
  auto e = Make(2, WithRetryDelay(absl::UnavailableError("slow down"), absl::ZeroDuration()), true,
                Exact());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  ASSERT_TRUE(WaitForAttempt(1));
  Advance(absl::Seconds(1));
  ASSERT_TRUE(WaitForAttempt(2));
  Advance(absl::Seconds(2) - absl::Nanoseconds(1));
  EXPECT_EQ(sender_->attempts.load(), 2);
  Advance(absl::Nanoseconds(1));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 2; }));
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, AServerDelayPastMaxElapsedTimeGivesUpAtOnce) {
  auto e = Make(1, WithRetryDelay(absl::UnavailableError("come back tomorrow"), absl::Hours(24)),
                true, Exact());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(3)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_send_failed_spans") == 3; }));
  EXPECT_EQ(sender_->attempts.load(), 1);
  EXPECT_EQ(env_.clock.pending_timers(), 0u);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, PermanentErrorsAreNotRetried) {
  auto e = Make(100, absl::InvalidArgumentError("bad"), true, Exact());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_send_failed_spans") == 2; }));
  EXPECT_EQ(sender_->attempts.load(), 1);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, DisabledRetryFailsAtOnce) {
  config::RetryConfig off = Exact();
  off.enabled = false;
  auto e = Make(100, absl::UnavailableError("down"), true, off);
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_send_failed_spans") == 2; }));
  EXPECT_EQ(sender_->attempts.load(), 1);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, GivesUpAfterMaxElapsedTime) {
  config::RetryConfig r = Exact();
  r.multiplier = 1;
  r.max_interval = absl::Seconds(1);
  r.max_elapsed_time = absl::Seconds(3);
  auto e = Make(1000, absl::UnavailableError("down"), true, r);
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(3)).ok());
  // Attempts at 0s, 1s, 2s and 3s; a fifth would start at 4s, past max_elapsed_time.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(WaitForAttempt(attempt));
    Advance(absl::Seconds(1));
  }
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_send_failed_spans") == 3; }));
  EXPECT_EQ(sender_->attempts.load(), 4);
  EXPECT_EQ(env_.clock.pending_timers(), 0u);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST_F(RetryTest, ShutdownWakesEveryRetryWaitAndCountsTheLoss) {
  config::RetryConfig r = Exact();
  r.initial_interval = absl::Hours(1);
  r.max_interval = absl::Hours(1);
  r.max_elapsed_time = absl::ZeroDuration();
  auto e = Make(1000, absl::UnavailableError("down"), true, r, /*consumers=*/4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(5)).ok());
  ASSERT_TRUE(
      WaitUntil([&] { return sender_->attempts.load() == 4 && env_.clock.pending_timers() == 4; }));
  // Every wait would end after the deadline, so each gives up as soon as shutdown begins
  // rather than at the deadline.
  const absl::Duration patience = absl::Seconds(60);
  absl::Time start = absl::Now();
  e->Shutdown(start + patience);
  EXPECT_LT(absl::Now() - start, patience / 2);
  EXPECT_EQ(sender_->attempts.load(), 4);
  EXPECT_EQ(env_.clock.pending_timers(), 0u);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 20);
}

TEST_F(RetryTest, ShutdownLetsARetryDueBeforeItsDeadlineHappen) {
  auto e = Make(1, absl::UnavailableError("down"), true, Exact());
  ASSERT_TRUE(e->ConsumeTraces(testing::MakeBatch(2)).ok());
  ASSERT_TRUE(WaitForAttempt(1));
  std::thread stopper([&] { e->Shutdown(absl::Now() + absl::Seconds(30)); });
  // Shutdown has begun once intake is closed; the retry, due in 1s, is still waited for.
  // Probes queued before that are delivered after it.
  int probed = 0;
  ASSERT_TRUE(WaitUntil([&] {
    absl::Status s = e->ConsumeTraces(testing::MakeBatch(1));
    if (s.ok()) ++probed;
    return absl::IsUnavailable(s);
  }));
  EXPECT_EQ(env_.clock.pending_timers(), 1u);
  Advance(absl::Seconds(1));
  stopper.join();
  EXPECT_EQ(sender_->attempts.load(), 2 + probed);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 2 + probed);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
}

TEST_F(RetryTest, WithoutAQueueNothingWaitsOnTheCallersThread) {
  auto e = Make(3, absl::UnavailableError("down"), false, Exact());
  absl::Status s = e->ConsumeTraces(testing::MakeBatch(4));
  // One attempt; the retryable refusal goes back to the caller, who retries.
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ(sender_->attempts.load(), 1);
  EXPECT_EQ(env_.clock.pending_timers(), 0u);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  e->Shutdown(absl::Now() + absl::Seconds(5));
}

TEST(SenderRetryDelay, TravelsWithTheStatus) {
  absl::Status s = WithRetryDelay(absl::ResourceExhaustedError("busy"), absl::Milliseconds(1500));
  EXPECT_TRUE(absl::IsResourceExhausted(s));
  EXPECT_EQ(s.message(), "busy");
  EXPECT_EQ(RetryDelayOf(s), absl::Milliseconds(1500));
  EXPECT_EQ(RetryDelayOf(absl::UnavailableError("down")), std::nullopt);
  EXPECT_EQ(RetryDelayOf(WithRetryDelay(absl::UnavailableError("x"), absl::Seconds(-3))),
            absl::ZeroDuration());
}

config::Diagnostics DecodeOptions(const std::string& yaml, ExporterOptions* o) {
  config::Diagnostics d;
  config::Node node(YAML::Load(yaml), "exporters.x", &d);
  DecodeExporterOptions(node, o);
  return d;
}

TEST(ExporterOptions, DecodesAndValidates) {
  ExporterOptions o;
  config::Diagnostics d = DecodeOptions(
      "timeout: 0s\nsending_queue: {enabled: false, queue_size: 5, num_consumers: 2}", &o);
  ASSERT_EQ(d.problems().size(), 1u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "exporters.x.timeout");
  EXPECT_FALSE(o.queue.enabled);
  EXPECT_EQ(o.queue.queue_size, 5);
  EXPECT_EQ(o.queue.num_consumers, 2);
  EXPECT_TRUE(o.retry.enabled);  // otelcol's default once an exporter decodes its options
  EXPECT_EQ(o.retry.initial_interval, absl::Seconds(5));
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
