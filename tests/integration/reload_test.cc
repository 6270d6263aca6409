// SIGHUP reloads the configuration files: a valid new config replaces the running one, an
// invalid one is reported and the old config keeps running.

#include <signal.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

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
    path: )" + file + R"(
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
  ASSERT_TRUE(weir->WaitForLog("reloading configuration", std::chrono::seconds(10)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (CountOccurrences(weir->Log(), "everything is ready") < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(CountOccurrences(weir->Log(), "everything is ready"), 2u) << weir->Log();
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

}  // namespace
}  // namespace weir::testing
