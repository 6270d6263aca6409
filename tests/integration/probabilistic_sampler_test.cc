// Boots the real weir binary with probabilistic_sampler and checks, span for span, that it
// keeps exactly the spans whose W3C randomness passes the threshold and marks them with it.

#include <signal.h>

#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

TEST(ProbabilisticSampler, KeepsTheSpansWhoseRandomnessPassesAndMarksThem) {
  FakeOtlpGrpcServer backend;
  std::string dir = MakeTempDir("probabilistic-sampler");
  std::string error;
  auto weir = WeirProcess::Start(dir, R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
processors:
  probabilistic_sampler: {sampling_percentage: 25}
exporters:
  otlp:
    endpoint: )" + backend.address() + R"(
    tls: {insecure: true}
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces: {receivers: [otlp], processors: [probabilistic_sampler], exporters: [otlp]}
)",
                                 &error);
  ASSERT_TRUE(weir) << error;

  // 25 %: threshold c0000000000000; a span is kept when its trace id's last 7 bytes, read as
  // a number, are at least that: byte 9 >= 0xc0.
  std::mt19937_64 rng(5);
  otlp::ExportRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  std::set<std::string> expected;
  for (int i = 0; i < 400; ++i) {
    auto* span = ss->add_spans();
    std::string id(16, '\0');
    for (char& c : id) c = static_cast<char>(rng());
    span->set_trace_id(id);
    span->set_span_id(std::string(7, '\1') + static_cast<char>(i % 250 + 1));
    span->set_name("op");
    if (static_cast<unsigned char>(id[9]) >= 0xc0) expected.insert(id);
  }
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), req, &response).ok());
  for (int i = 0; i < 500 && backend.accepted_span_count() < expected.size(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  std::set<std::string> kept;
  for (const auto& call : backend.calls()) {
    if (!call.decoded) continue;
    for (const auto& rs : call.decoded->resource_spans())
      for (const auto& s : rs.scope_spans())
        for (const auto& span : s.spans()) {
          kept.insert(span.trace_id());
          EXPECT_EQ(span.trace_state(), "ot=th:c");
        }
  }
  EXPECT_GT(expected.size(), 50u);
  EXPECT_EQ(kept, expected);
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace weir::testing
