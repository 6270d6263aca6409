// Boots the real weir binary in front of a backend that fails, and checks the delivery
// promise: clients are refused (and retry) instead of weir growing, and every span weir
// acknowledged is delivered or counted as dropped.

#include <signal.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

// The sum of every series of `name` in a Prometheus text exposition.
double MetricSum(const std::string& text, const std::string& name) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, name + "{") && !absl::StartsWith(line, name + " ")) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) total += v;
  }
  return total;
}

std::string Config(const std::string& backend, const std::string& shutdown_timeout) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
processors:
  batch:
    send_batch_size: 50
    timeout: 20ms
exporters:
  otlp:
    endpoint: )" + backend + R"(
    tls: {insecure: true}
    timeout: 1s
    sending_queue: {sizer: requests, queue_size: 2, num_consumers: 1}
    retry_on_failure: {initial_interval: 20ms, max_interval: 50ms, max_elapsed_time: 0s}
service:
  shutdown_timeout: )" + shutdown_timeout + R"(
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp]
)";
}

// Sends `requests` requests of `spans` spans from 4 threads; returns the spans acknowledged,
// and counts the retryable refusals in *refused.
size_t SendAll(const std::string& address, int requests, int spans, std::atomic<int>* refused) {
  std::atomic<size_t> acked{0};
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < requests; i = next++) {
        otlp::ExportResponse response;
        grpc::Status s = GrpcExport(address, MakeRequest(1, 1, spans), &response);
        if (s.ok()) {
          acked += spans;
        } else {
          EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
          ++*refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return acked.load();
}

FakeOtlpGrpcServer::Reply Unavailable() {
  FakeOtlpGrpcServer::Reply r;
  r.code = grpc::StatusCode::UNAVAILABLE;
  r.message = "backend down";
  return r;
}

TEST(Delivery, OutageRefusesClientsThenDeliversEverythingAcknowledged) {
  FakeOtlpGrpcServer backend(Unavailable());
  std::string dir = MakeTempDir("delivery-outage");
  std::string error;
  auto weir = WeirProcess::Start(dir, Config(backend.address(), "10s"), &error);
  ASSERT_TRUE(weir) << error;

  std::atomic<int> refused{0};
  size_t acked = SendAll(weir->GrpcAddress(), 300, 10, &refused);
  // The queue holds 2 batches and the batch processor what it had pending: the rest of the
  // outage is pushed back to the clients.
  EXPECT_GT(refused.load(), 0);
  EXPECT_GT(acked, 0u);
  EXPECT_LT(acked, 3000u);

  FakeOtlpGrpcServer::Reply ok;
  backend.set_reply(ok);
  for (int i = 0; i < 500 && backend.accepted_span_count() < acked; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Once the backend is back, intake opens again.
  std::atomic<int> refused_after{0};
  size_t acked_after = SendAll(weir->GrpcAddress(), 20, 10, &refused_after);
  for (int i = 0; i < 500 && backend.accepted_span_count() < acked + acked_after; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::string metrics = HttpGet(weir->MetricsAddress(), "/metrics").body;
  EXPECT_EQ(backend.accepted_span_count(), acked + acked_after) << weir->Log();
  EXPECT_EQ(MetricSum(metrics, "otelcol_processor_dropped_spans"), 0);
  EXPECT_EQ(MetricSum(metrics, "otelcol_exporter_send_failed_spans"), 0);
  EXPECT_GT(MetricSum(metrics, "otelcol_processor_refused_spans"), 0);
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

TEST(Delivery, ShutdownDuringAnOutageCountsWhatItCouldNotDeliver) {
  FakeOtlpGrpcServer backend(Unavailable());
  std::string dir = MakeTempDir("delivery-shutdown");
  std::string error;
  auto weir = WeirProcess::Start(dir, Config(backend.address(), "1s"), &error);
  ASSERT_TRUE(weir) << error;
  std::atomic<int> refused{0};
  size_t acked = SendAll(weir->GrpcAddress(), 100, 10, &refused);
  ASSERT_GT(acked, 0u);
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
  // Nothing reached the backend; the exit summary accounts for every acknowledged span.
  EXPECT_EQ(backend.accepted_span_count(), 0u);
  EXPECT_THAT(weir->Log(), ::testing::HasSubstr(absl::StrCat(
                               "shutdown complete: ", acked, " spans accepted, 0 sent, ", acked,
                               " dropped")))
      << weir->Log();
}

}  // namespace
}  // namespace weir::testing
