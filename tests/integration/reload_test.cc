// SIGHUP reloads the configuration files: a valid new config replaces the running one, an
// invalid one is reported and the old config keeps running. A reload never takes weir down:
// not on an unchanged config, not when the new config cannot start (a port another process
// holds), and not for long when the backend is down and the old graph still holds spans — and
// every span weir acknowledged is delivered or counted.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string ConfigWritingTo(const std::string& file, int grpc_port) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:)" +
         std::to_string(grpc_port) + R"(
exporters:
  file:
    path: )" +
         file + R"(
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
)";
}

size_t CountOccurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Polls `condition` until it holds or `timeout` passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Whether `pid` is running (not exited, not a zombie waiting to be reaped).
bool Running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

// Waits until weir has logged "everything is ready" `count` times (a service started), or
// exited. Returns whether it is still running.
bool WaitForStarts(const WeirProcess& weir, size_t count) {
  WaitFor(
      [&] {
        return CountOccurrences(weir.Log(), "everything is ready") >= count || !Running(weir.pid());
      },
      std::chrono::seconds(30));
  return Running(weir.pid()) && CountOccurrences(weir.Log(), "everything is ready") >= count;
}

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

struct Ports {
  int grpc = FreePort();
  int http = FreePort();
  int health = FreePort();
  int metrics = FreePort();
  std::string Grpc() const { return absl::StrCat("127.0.0.1:", grpc); }
  std::string Http() const { return absl::StrCat("127.0.0.1:", http); }
};

// OTLP gRPC and HTTP → batch → OTLP to `backend`, with health_check and the metrics endpoint:
// every kind of listener weir has, on fixed ports, so a reload must release and rebind each.
std::string ForwardingConfig(const Ports& ports, const std::string& backend,
                             const std::string& shutdown_timeout,
                             const std::string& http_extra = "") {
  return absl::StrCat(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:)",
                      ports.grpc, R"(
      http:
        endpoint: 127.0.0.1:)",
                      ports.http, http_extra, R"(
processors:
  batch:
    send_batch_size: 50
    timeout: 20ms
exporters:
  otlp:
    endpoint: )",
                      backend, R"(
    tls: {insecure: true}
    timeout: 1s
    sending_queue: {sizer: requests, queue_size: 4, num_consumers: 1}
    retry_on_failure: {initial_interval: 20ms, max_interval: 50ms, max_elapsed_time: 0s}
extensions:
  health_check:
    endpoint: 127.0.0.1:)",
                      ports.health, R"(
service:
  extensions: [health_check]
  shutdown_timeout: )",
                      shutdown_timeout, R"(
  telemetry:
    metrics:
      address: 127.0.0.1:)",
                      ports.metrics, R"(
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp]
)");
}

// Clients sending requests of distinct spans over gRPC and HTTP until stopped, remembering
// which requests weir acknowledged.
class Load {
 public:
  Load(const Ports& ports, int spans_per_request) : spans_(spans_per_request) {
    threads_.emplace_back([this, address = ports.Grpc()] {
      while (!stop_) {
        uint64_t seed = next_seed_++;
        otlp::ExportResponse response;
        if (GrpcExport(address, MakeRequest(1, 1, spans_, seed), &response).ok()) Acked(seed);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // light load: pacing only
      }
    });
    threads_.emplace_back([this, address = ports.Http()] {
      while (!stop_) {
        uint64_t seed = next_seed_++;
        std::string body = MakeRequest(1, 1, spans_, seed).SerializeAsString();
        if (HttpPost(address, "/v1/traces", "application/x-protobuf", body).status == 200) {
          Acked(seed);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
  }
  ~Load() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  size_t acked_requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }
  // Every acknowledged span, as SpanKeys.
  std::vector<std::string> AckedKeys() const {
    std::lock_guard<std::mutex> lock(mu_);
    otlp::ExportRequest all;
    for (uint64_t seed : acked_) all.MergeFrom(MakeRequest(1, 1, spans_, seed));
    return SpanKeys(all);
  }

 private:
  void Acked(uint64_t seed) {
    std::lock_guard<std::mutex> lock(mu_);
    acked_.push_back(seed);
  }

  const int spans_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> next_seed_{1};
  mutable std::mutex mu_;
  std::vector<uint64_t> acked_;  // guarded by mu_
  std::vector<std::thread> threads_;
};

// Every span the backend accepted, as SpanKeys.
std::vector<std::string> DeliveredKeys(const FakeOtlpGrpcServer& backend) {
  otlp::ExportRequest all;
  for (const auto& call : backend.calls())
    if (call.accepted && call.decoded) all.MergeFrom(*call.decoded);
  return SpanKeys(all);
}

// Whether every key of `subset` is in `superset` (both sorted), counting repeats.
bool Includes(const std::vector<std::string>& superset, const std::vector<std::string>& subset) {
  return std::includes(superset.begin(), superset.end(), subset.begin(), subset.end());
}

// A socket listening on 127.0.0.1:port: another process holding the port.
class PortHolder {
 public:
  explicit PortHolder(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd_, 4) == 0;
  }
  ~PortHolder() { close(fd_); }
  bool ok() const { return ok_; }

 private:
  int fd_;
  bool ok_ = false;
};

FakeOtlpGrpcServer::Reply Unavailable() {
  FakeOtlpGrpcServer::Reply r;
  r.code = grpc::StatusCode::UNAVAILABLE;
  r.message = "backend down";
  return r;
}

TEST(Reload, SighupSwitchesToTheNewConfigAndRefusesABadOne) {
  std::string dir = MakeTempDir("reload");
  int port = FreePort();
  std::string error;
  auto weir = WeirProcess::Start(dir, ConfigWritingTo(dir + "/first.json", port), &error);
  ASSERT_TRUE(weir) << error;
  std::string address = "127.0.0.1:" + std::to_string(port);
  otlp::ExportRequest before = MakeRequest(1, 1, 3, 1);
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(address, before, &response).ok());

  // A valid new config: the service restarts on it.
  std::ofstream(dir + "/weir.yaml") << ConfigWritingTo(dir + "/second.json", port);
  kill(weir->pid(), SIGHUP);
  ASSERT_TRUE(WaitForStarts(*weir, 2)) << weir->Log();
  otlp::ExportRequest after = MakeRequest(1, 1, 4, 2);
  ASSERT_TRUE(GrpcExport(address, after, &response).ok());

  // An invalid config: reported, and the running one stays.
  std::ofstream(dir + "/weir.yaml") << "receivers: [oops\n";
  kill(weir->pid(), SIGHUP);
  ASSERT_TRUE(weir->WaitForLog("keeping the old one", std::chrono::seconds(10))) << weir->Log();
  otlp::ExportRequest still = MakeRequest(1, 1, 2, 3);
  ASSERT_TRUE(GrpcExport(address, still, &response).ok());

  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/first.json")) == SpanKeys(before));
  otlp::ExportRequest second = after;
  second.MergeFrom(still);
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/second.json")) == SpanKeys(second));
  EXPECT_THAT(weir->Log(), ::testing::HasSubstr("invalid YAML"));
}

TEST(Reload, ThirtyReloadsOfAnUnchangedConfigUnderLoadKeepEveryAcknowledgedSpan) {
  FakeOtlpGrpcServer backend;
  Ports ports;
  std::string dir = MakeTempDir("reload-unchanged");
  std::string error;
  auto weir = WeirProcess::Start(dir, ForwardingConfig(ports, backend.address(), "10s"), &error);
  ASSERT_TRUE(weir) << error;

  Load load(ports, 5);
  ASSERT_TRUE(WaitFor([&] { return load.acked_requests() > 10; }, std::chrono::seconds(10)));
  for (size_t i = 1; i <= 30; ++i) {
    kill(weir->pid(), SIGHUP);
    ASSERT_TRUE(WaitForStarts(*weir, i + 1)) << "reload " << i << "\n" << weir->Log();
    size_t acked = load.acked_requests();
    // Serving again on every port before the next reload.
    ASSERT_TRUE(
        WaitFor([&] { return load.acked_requests() > acked + 2; }, std::chrono::seconds(10)))
        << "reload " << i << "\n"
        << weir->Log();
    EXPECT_EQ(HttpGet(absl::StrCat("127.0.0.1:", ports.health), "/").status, 200);
  }
  load.Stop();
  EXPECT_THAT(weir->Log(), ::testing::Not(::testing::HasSubstr("reload failed")));
  EXPECT_THAT(weir->Log(), ::testing::Not(::testing::HasSubstr("reload refused")));
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(30)), 0) << weir->Log();

  std::vector<std::string> acked = load.AckedKeys();
  std::vector<std::string> delivered = DeliveredKeys(backend);
  EXPECT_GT(acked.size(), 0u);
  EXPECT_TRUE(Includes(delivered, acked))
      << acked.size() << " spans acknowledged, " << delivered.size() << " delivered";
  EXPECT_THAT(weir->Log(), ::testing::HasSubstr(absl::StrCat(" sent, 0 dropped")));
}

TEST(Reload, ANewConfigNeedingAPortInUseKeepsTheRunningOne) {
  FakeOtlpGrpcServer backend;
  Ports ports;
  std::string dir = MakeTempDir("reload-port-in-use");
  std::string error;
  auto weir = WeirProcess::Start(dir, ForwardingConfig(ports, backend.address(), "5s"), &error);
  ASSERT_TRUE(weir) << error;
  otlp::ExportResponse response;
  otlp::ExportRequest before = MakeRequest(1, 1, 3, 1);
  ASSERT_TRUE(GrpcExport(ports.Grpc(), before, &response).ok());

  // The new config moves the gRPC receiver to a port another process listens on.
  int taken = FreePort();
  PortHolder holder(taken);
  ASSERT_TRUE(holder.ok());
  Ports moved = ports;
  moved.grpc = taken;
  std::ofstream(dir + "/weir.yaml") << ForwardingConfig(moved, backend.address(), "5s");
  kill(weir->pid(), SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(weir->Log(), "configuration stays") ||
               absl::StrContains(weir->Log(), "runs again") || !Running(weir->pid());
      },
      std::chrono::seconds(20)));
  ASSERT_TRUE(Running(weir->pid())) << weir->Log();
  EXPECT_THAT(weir->Log(), ::testing::HasSubstr(
                               absl::StrCat("receivers.otlp: cannot listen on 127.0.0.1:", taken,
                                            ": port ", taken, " is in use")));

  // Still serving on the old config's ports, into the old config's pipeline.
  otlp::ExportRequest after = MakeRequest(1, 1, 4, 2);
  EXPECT_TRUE(GrpcExport(ports.Grpc(), after, &response).ok());
  EXPECT_EQ(HttpPost(ports.Http(), "/v1/traces", "application/x-protobuf",
                     MakeRequest(1, 1, 2, 3).SerializeAsString())
                .status,
            200);
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();
  EXPECT_EQ(backend.accepted_span_count(), 9u);
}

TEST(Reload, ANewConfigThatFailsToStartBringsThePreviousOneBack) {
  FakeOtlpGrpcServer backend;
  Ports ports;
  std::string dir = MakeTempDir("reload-start-fails");
  std::string error;
  auto weir = WeirProcess::Start(dir, ForwardingConfig(ports, backend.address(), "5s"), &error);
  ASSERT_TRUE(weir) << error;
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(ports.Grpc(), MakeRequest(1, 1, 3, 1), &response).ok());

  // Readable files that are no certificate: the config validates, the HTTP receiver cannot
  // start — after the running service has already stopped listening.
  std::ofstream(dir + "/bad.pem") << "not a certificate\n";
  std::string tls = absl::StrCat("\n        tls:\n          cert_file: ", dir,
                                 "/bad.pem\n          key_file: ", dir, "/bad.pem");
  std::ofstream(dir + "/weir.yaml") << ForwardingConfig(ports, backend.address(), "5s", tls);
  ASSERT_EQ(RunWeir({"validate", "--config", dir + "/weir.yaml"}).exit_code, 0);
  kill(weir->pid(), SIGHUP);
  ASSERT_TRUE(
      WaitFor([&] { return absl::StrContains(weir->Log(), "runs again") || !Running(weir->pid()); },
              std::chrono::seconds(20)));
  ASSERT_TRUE(Running(weir->pid())) << weir->Log();
  EXPECT_THAT(weir->Log(), ::testing::HasSubstr("reload failed: receivers.otlp"));

  ASSERT_TRUE(GrpcExport(ports.Grpc(), MakeRequest(1, 1, 4, 2), &response).ok()) << weir->Log();
  EXPECT_EQ(HttpPost(ports.Http(), "/v1/traces", "application/x-protobuf",
                     MakeRequest(1, 1, 2, 3).SerializeAsString())
                .status,
            200);
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();
  EXPECT_EQ(backend.accepted_span_count(), 9u);
}

TEST(Reload, WhileTheBackendIsDownTheReceiversComeBackAtOnceAndNothingIsLost) {
  FakeOtlpGrpcServer backend(Unavailable());
  Ports ports;
  std::string dir = MakeTempDir("reload-backend-down");
  std::string error;
  const auto shutdown_timeout = std::chrono::seconds(20);
  auto weir = WeirProcess::Start(dir, ForwardingConfig(ports, backend.address(), "20s"), &error);
  ASSERT_TRUE(weir) << error;

  // Fill the pipeline until weir pushes back: the batch processor and the sending queue hold
  // acknowledged spans the backend has not taken.
  std::atomic<size_t> acked{0};
  auto send = [&](uint64_t seed, int spans) {
    otlp::ExportResponse response;
    grpc::Status s = GrpcExport(ports.Grpc(), MakeRequest(1, 1, spans, seed), &response);
    if (s.ok()) acked += spans;
    return s;
  };
  uint64_t seed = 1;
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {
    refused = send(seed++, 10).error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  ASSERT_TRUE(refused) << weir->Log();
  size_t held = acked.load();
  ASSERT_GT(held, 0u);

  // A client probing all along: an answer is OK or RESOURCE_EXHAUSTED (weir pushing back);
  // anything else (no listener) is not one. The longest time without an answer is the gap.
  std::atomic<bool> probing{true};
  std::atomic<int64_t> longest_gap_ms{0};
  std::atomic<int> answers_after_reload{0};
  std::atomic<bool> reloaded{false};
  std::atomic<uint64_t> probe_seed{100000};
  std::thread prober([&] {
    auto last_answer = Clock::now();
    while (probing) {
      grpc::Status s = send(probe_seed++, 1);
      if (s.ok() || s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        auto now = Clock::now();
        int64_t gap =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - last_answer).count();
        if (gap > longest_gap_ms) longest_gap_ms = gap;
        last_answer = now;
        if (reloaded) ++answers_after_reload;
      }
    }
  });
  bool probing_started = WaitFor([&] { return probe_seed > 100010; }, std::chrono::seconds(10));
  if (probing_started) kill(weir->pid(), SIGHUP);
  bool started = WaitForStarts(*weir, 2);
  reloaded = true;
  bool answering = WaitFor([&] { return answers_after_reload > 0; }, shutdown_timeout * 2);
  probing = false;
  prober.join();
  ASSERT_TRUE(probing_started);
  ASSERT_TRUE(started) << weir->Log();
  ASSERT_TRUE(answering) << weir->Log();
  // weir's own pause is in its log; the client's gap adds gRPC's reconnect backoff.
  std::string log = weir->Log();
  size_t paused = log.find("intake paused ");
  std::printf("reload with the backend down: %s; a client saw no answer for %lld ms\n",
              paused == std::string::npos
                  ? "no pause logged"
                  : log.substr(paused, log.find(')', paused) - paused).c_str(),
              static_cast<long long>(longest_gap_ms.load()));
  // A loose bound, for slow machines: before, the receivers stayed closed for the whole
  // shutdown_timeout while the old graph waited on the backend.
  EXPECT_LT(longest_gap_ms.load(),
            std::chrono::duration_cast<std::chrono::milliseconds>(shutdown_timeout).count() / 2);

  // The backend comes back while the old graph is still draining: what it held is delivered.
  backend.set_reply(FakeOtlpGrpcServer::Reply());
  size_t total = acked.load();
  EXPECT_TRUE(
      WaitFor([&] { return backend.accepted_span_count() >= total; }, std::chrono::seconds(30)))
      << backend.accepted_span_count() << " of " << total << " delivered\n"
      << weir->Log();
  std::string metrics = HttpGet(absl::StrCat("127.0.0.1:", ports.metrics), "/metrics").body;
  EXPECT_EQ(MetricSum(metrics, "otelcol_processor_dropped_spans"), 0);
  EXPECT_EQ(MetricSum(metrics, "otelcol_exporter_send_failed_spans"), 0);
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(60)), 0) << weir->Log();
  EXPECT_EQ(backend.accepted_span_count(), total);
  EXPECT_THAT(weir->Log(),
              ::testing::HasSubstr(absl::StrCat("shutdown complete: ", total, " spans accepted, ",
                                                total, " sent, 0 dropped")))
      << weir->Log();
}

TEST(Reload, WhatTheOldGraphCannotDeliverByItsDeadlineIsCounted) {
  FakeOtlpGrpcServer backend(Unavailable());
  Ports ports;
  std::string dir = MakeTempDir("reload-backend-stays-down");
  std::string error;
  auto weir = WeirProcess::Start(dir, ForwardingConfig(ports, backend.address(), "2s"), &error);
  ASSERT_TRUE(weir) << error;
  size_t acked = 0;
  bool refused = false;
  for (uint64_t seed = 1; seed < 500 && !refused; ++seed) {
    otlp::ExportResponse response;
    grpc::Status s = GrpcExport(ports.Grpc(), MakeRequest(1, 1, 10, seed), &response);
    if (s.ok()) acked += 10;
    refused = s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  ASSERT_TRUE(refused);

  // The backend never comes back: the old graph gives up at its deadline and counts the spans.
  kill(weir->pid(), SIGHUP);
  ASSERT_TRUE(weir->WaitForLog("the previous configuration has drained", std::chrono::seconds(20)))
      << weir->Log();
  std::string metrics = HttpGet(absl::StrCat("127.0.0.1:", ports.metrics), "/metrics").body;
  EXPECT_EQ(MetricSum(metrics, "otelcol_processor_dropped_spans") +
                MetricSum(metrics, "otelcol_exporter_send_failed_spans"),
            static_cast<double>(acked))
      << metrics;
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();
  EXPECT_EQ(backend.accepted_span_count(), 0u);
  EXPECT_THAT(weir->Log(),
              ::testing::HasSubstr(absl::StrCat("shutdown complete: ", acked,
                                                " spans accepted, 0 sent, ", acked, " dropped")))
      << weir->Log();
}

}  // namespace
}  // namespace weir::testing
