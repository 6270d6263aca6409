// Boots the real weir binary with a tail_sampling pipeline, sends traces whose spans are spread
// over many requests from concurrent gRPC and HTTP clients, and checks that exactly the traces
// the policies select reach the backend, each whole, and that no span of a dropped trace leaks.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

constexpr int kTraces = 600;
constexpr int kSpansPerTrace = 5;
constexpr double kPercentage = 10;

double MetricValue(const std::string& text, const std::string& series_prefix) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, series_prefix)) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) total += v;
  }
  return total;
}

// otelcol's probabilistic verdict, written from its definition (FNV-1a 64 of the salt then the
// trace id; threshold MaxUint64 x ratio at 64-bit precision, truncated), independently of
// weir's code: x86-64's long double has exactly that 64-bit mantissa.
bool OtelcolProbabilistic(const std::string& salt, const std::string& trace_id, double pct) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : salt + trace_id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  long double t = static_cast<long double>(UINT64_MAX) * static_cast<long double>(pct / 100);
  uint64_t threshold = t >= 18446744073709551615.0L ? UINT64_MAX : static_cast<uint64_t>(t);
  return h <= threshold;
}

struct TestTrace {
  std::string id;
  bool error = false;
  bool slow = false;
};

otlp::ExportRequest RequestWithSpan(const TestTrace& t, int span) {
  otlp::ExportRequest req;
  auto* rs = req.add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("checkout");
  auto* s = rs->add_scope_spans()->add_spans();
  s->set_trace_id(t.id);
  std::string span_id(8, '\0');
  span_id[0] = 1;
  span_id[7] = static_cast<char>(span + 1);
  s->set_span_id(span_id);
  if (span > 0) {
    std::string parent(8, '\0');
    parent[0] = 1;
    parent[7] = 1;
    s->set_parent_span_id(parent);
  }
  s->set_name("op");
  const uint64_t start = 1'700'000'000'000'000'000ull + static_cast<uint64_t>(span) * 1'000'000;
  // A slow trace's last span ends 800 ms after its first started.
  const uint64_t end =
      t.slow && span == kSpansPerTrace - 1 ? start + 800'000'000 : start + 1'000'000;
  s->set_start_time_unix_nano(start);
  s->set_end_time_unix_nano(end);
  if (t.error && span == 2) s->mutable_status()->set_code(otlp::SpanStatus::STATUS_CODE_ERROR);
  return req;
}

TEST(TailSampling, KeepsExactlyTheSelectedTracesWholeFromConcurrentClients) {
  FakeOtlpGrpcServer backend;
  std::string dir = MakeTempDir("tail-sampling");
  std::string error;
  auto weir = WeirProcess::Start(dir, R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
      http: {endpoint: 127.0.0.1:0}
processors:
  tail_sampling:
    decision_wait: 2s
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
      - {name: slow, type: latency, latency: {threshold_ms: 500}}
      - {name: baseline, type: probabilistic, probabilistic: {sampling_percentage: 10, hash_salt: fleet}}
  batch:
    timeout: 50ms
exporters:
  otlp:
    endpoint: )" + backend.address() + R"(
    tls: {insecure: true}
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling, batch]
      exporters: [otlp]
)",
                                 &error);
  ASSERT_TRUE(weir) << error;

  std::mt19937_64 rng(7);
  std::vector<TestTrace> traces(kTraces);
  std::set<std::string> expected;
  for (int i = 0; i < kTraces; ++i) {
    TestTrace& t = traces[i];
    t.id.resize(16);
    for (char& c : t.id) c = static_cast<char>(rng());
    t.error = i % 7 == 0;
    t.slow = i % 11 == 0;
    if (t.error || t.slow || OtelcolProbabilistic("fleet", t.id, kPercentage))
      expected.insert(t.id);
  }
  // Every (trace, span) pair is its own request; 8 clients (4 gRPC, 4 HTTP) take them in an
  // interleaved order, so each trace's spans arrive over several requests and transports. The
  // order is shuffled within windows of 20 traces, so a trace's spans all arrive well within
  // decision_wait however slow the machine (a sanitizer build) makes the whole run.
  constexpr int kWindow = 20;
  std::vector<std::pair<int, int>> work;
  for (int first = 0; first < kTraces; first += kWindow) {
    const size_t begin = work.size();
    for (int i = first; i < std::min(kTraces, first + kWindow); ++i)
      for (int span = 0; span < kSpansPerTrace; ++span) work.push_back({i, span});
    std::shuffle(work.begin() + static_cast<std::ptrdiff_t>(begin), work.end(), rng);
  }
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      for (size_t k = next++; k < work.size(); k = next++) {
        otlp::ExportRequest req = RequestWithSpan(traces[work[k].first], work[k].second);
        bool ok;
        if (c % 2 == 0) {
          otlp::ExportResponse response;
          ok = GrpcExport(weir->GrpcAddress(), req, &response).ok();
        } else {
          ok = HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                        req.SerializeAsString())
                   .status == 200;
        }
        if (!ok) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  ASSERT_EQ(failures.load(), 0);

  const size_t want_spans = expected.size() * kSpansPerTrace;
  for (int i = 0; i < 1500 && backend.accepted_span_count() < want_spans; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Wait past every decision, so a leak would have arrived.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  std::map<std::string, std::set<std::string>> delivered;  // trace id -> span ids
  size_t spans = 0;
  for (const auto& call : backend.calls()) {
    if (!call.decoded) continue;
    for (const auto& rs : call.decoded->resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) {
          delivered[s.trace_id()].insert(s.span_id());
          ++spans;
        }
  }
  EXPECT_EQ(spans, want_spans) << "spans delivered more than once or missing";
  std::set<std::string> kept;
  for (const auto& [id, span_ids] : delivered) {
    kept.insert(id);
    EXPECT_EQ(span_ids.size(), static_cast<size_t>(kSpansPerTrace)) << "a kept trace is not whole";
  }
  EXPECT_EQ(kept, expected) << "kept " << kept.size() << " traces, expected " << expected.size();

  std::string metrics = HttpGet(weir->MetricsAddress(), "/metrics").body;
  EXPECT_EQ(MetricValue(metrics,
                        "otelcol_processor_tail_sampling_global_count_traces_sampled{decision="
                        "\"sampled\""),
            static_cast<double>(expected.size()))
      << metrics;
  EXPECT_EQ(MetricValue(metrics, "otelcol_processor_tail_sampling_new_trace_id_received"), kTraces);
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

// weir with one tail_sampling policy (keep traces with an error) in front of `backend`, and
// the weir_admin extension when `admin`.
std::string ErrorsOnlyConfig(const FakeOtlpGrpcServer& backend, const std::string& decision_wait,
                             bool admin) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
processors:
  tail_sampling:
    decision_wait: )" +
         decision_wait + R"(
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
exporters:
  otlp:
    endpoint: )" +
         backend.address() + R"(
    tls: {insecure: true}
)" + (admin ? "extensions:\n  weir_admin: {endpoint: 127.0.0.1:0}\n" : "") +
         R"(service:
)" + (admin ? "  extensions: [weir_admin]\n" : "") +
         R"(  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces: {receivers: [otlp], processors: [tail_sampling], exporters: [otlp]}
)";
}

TEST(TailSampling, ABoostStartedOverTheAdminApiKeepsTracesAndExplainSaysWhy) {
  FakeOtlpGrpcServer backend;
  std::string dir = MakeTempDir("tail-sampling-boost");
  std::string error;
  auto weir = WeirProcess::Start(dir, ErrorsOnlyConfig(backend, "500ms", true), &error);
  ASSERT_TRUE(weir) << error;
  const std::string admin = weir->AddressAfter("admin API listening on ");
  ASSERT_FALSE(admin.empty()) << weir->Log();
  auto started = HttpPost(admin, "/sampling/boosts", "application/json",
                          R"({"duration": "10m", "service": "checkout"})");
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(HttpGet(admin, "/sampling/boosts").status, 200);

  TestTrace checkout{
      std::string("\x0a\xf7\x65\x19\x16\xcd\x43\xdd\x84\x48\xeb\x21\x1c\x80\x31\x9c", 16)};
  TestTrace search{std::string(16, '\x42')};
  otlp::ExportRequest a = RequestWithSpan(checkout, 0);
  otlp::ExportRequest b = RequestWithSpan(search, 0);
  b.mutable_resource_spans(0)
      ->mutable_resource()
      ->mutable_attributes(0)
      ->mutable_value()
      ->set_string_value("search");
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), a, &response).ok());
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), b, &response).ok());
  for (int i = 0; i < 500 && backend.accepted_span_count() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // past the second decision
  EXPECT_EQ(backend.accepted_span_count(), 1u) << "only the boosted service's trace is kept";

  auto kept = HttpGet(admin, "/sampling/explain/0af7651916cd43dd8448eb211c80319c");
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_NE(kept.body.find("\"sampled\":true"), std::string::npos) << kept.body;
  EXPECT_NE(kept.body.find("\"boost\":1"), std::string::npos) << kept.body;
  EXPECT_NE(kept.body.find("{\"policy\":\"errors\",\"vote\":\"not_sampled\"}"), std::string::npos)
      << kept.body;
  auto dropped = HttpGet(admin, "/sampling/explain/42424242424242424242424242424242");
  ASSERT_EQ(dropped.status, 200) << dropped.body;
  EXPECT_NE(dropped.body.find("\"sampled\":false"), std::string::npos) << dropped.body;
  EXPECT_TRUE(weir->WaitForLog("boost 1 started", std::chrono::seconds(1)));
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

TEST(TailSampling, AReloadKeepsPendingTracesWhole) {
  FakeOtlpGrpcServer backend;
  std::string dir = MakeTempDir("tail-sampling-reload");
  std::string error;
  auto weir = WeirProcess::Start(dir, ErrorsOnlyConfig(backend, "3s", false), &error);
  ASSERT_TRUE(weir) << error;
  // The error span arrives before the reload, the rest of the trace after it.
  TestTrace t{std::string(16, '\x7a'), /*error=*/true};
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), RequestWithSpan(t, 2), &response).ok());
  kill(weir->pid(), SIGHUP);
  ASSERT_TRUE(weir->WaitForLog("reload complete", std::chrono::seconds(20))) << weir->Log();
  EXPECT_TRUE(weir->WaitForLog("took over 1 pending traces", std::chrono::seconds(1)))
      << weir->Log();
  // The new configuration listens on a port of its own (port 0): the last one logged.
  const std::string log = weir->Log();
  const std::string marker = "OTLP/gRPC listening on ";
  const size_t at = log.rfind(marker) + marker.size();
  const std::string address = log.substr(at, log.find_first_of(" \n", at) - at);
  for (int span : {0, 1, 3, 4}) {
    bool sent = false;
    for (int attempt = 0; attempt < 50 && !sent; ++attempt) {
      sent = GrpcExport(address, RequestWithSpan(t, span), &response).ok();
      if (!sent) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(sent);
  }
  for (int i = 0; i < 400 && backend.accepted_span_count() < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(backend.accepted_span_count(), 5u) << "the trace was not decided whole\n"
                                               << weir->Log();
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace weir::testing
