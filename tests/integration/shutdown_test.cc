// Graceful shutdown under load: every span weir acknowledged reaches the exporter.

#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

TEST(Shutdown, EveryAcknowledgedSpanIsExported) {
  std::string dir = MakeTempDir("shutdown");
  std::string config = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
      http:
        endpoint: 127.0.0.1:0
processors:
  batch:
    timeout: 5s
    send_batch_size: 100000
exporters:
  file:
    path: )" + dir + R"(/out.json
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file]
)";
  std::string error;
  auto weir = WeirProcess::Start(dir, config, &error);
  ASSERT_TRUE(weir) << error;

  std::mutex mu;
  std::set<std::string> acked;  // span ids
  std::atomic<bool> stop{false};
  std::atomic<int> seed{1};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      while (!stop) {
        otlp::ExportRequest r = MakeRequest(1, 1, 20, seed.fetch_add(1));
        bool ok;
        if (t % 2 == 0) {
          otlp::ExportResponse response;
          ok = GrpcExport(weir->GrpcAddress(), r, &response).ok();
        } else {
          ok = HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                        r.SerializeAsString())
                   .status == 200;
        }
        if (!ok) continue;
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& s : r.resource_spans(0).scope_spans(0).spans()) acked.insert(s.span_id());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  int code = weir->Stop(SIGTERM, std::chrono::seconds(30));
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_EQ(code, 0) << weir->Log();
  ASSERT_GT(acked.size(), 0u);

  std::set<std::string> exported;
  otlp::ExportRequest out = ReadJsonLines(dir + "/out.json");
  for (const auto& rs : out.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) exported.insert(s.span_id());
  size_t missing = 0;
  for (const auto& id : acked) missing += exported.count(id) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged spans";
}

}  // namespace
}  // namespace weir::testing
