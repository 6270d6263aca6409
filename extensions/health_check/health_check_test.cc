#include "extensions/health_check/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/telemetry/logger.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"

namespace weir::extensions::health_check {
namespace {

TEST(HealthCheck, Conformance) {
  testing::RunExtensionConformance(Factory(), "endpoint: 127.0.0.1:0");
}

TEST(HealthCheck, ConfigValidation) {
  config::Diagnostics d;
  Factory().DecodeConfig(config::Node(YAML::Load("endpoint: nope\npath: health\ncolor: x"),
                                      "extensions.health_check", &d));
  ASSERT_EQ(d.problems().size(), 3u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "extensions.health_check.endpoint");
  EXPECT_EQ(d.problems()[1].path, "extensions.health_check.path");
  EXPECT_EQ(d.problems()[2].path, "extensions.health_check.color");
}

TEST(HealthCheck, AnswersByPipelineState) {
  int port = testing::FreePort();
  std::string address = "127.0.0.1:" + std::to_string(port);
  testing::TestEnvironment env;
  testing::RecordingHost host;
  auto cfg = testing::DecodeOrFail(Factory(), "endpoint: " + address + "\npath: /health");
  auto ext = Factory().Create(env.SettingsFor("health_check"), *cfg);
  ASSERT_TRUE(ext.ok());
  ASSERT_TRUE((*ext)->Start(host).ok());
  EXPECT_EQ(testing::HttpGet(address, "/health").status, 503);
  (*ext)->OnPipelinesReady(true);
  auto up = testing::HttpGet(address, "/health");
  EXPECT_EQ(up.status, 200);
  EXPECT_THAT(up.body, ::testing::HasSubstr("Server available"));
  EXPECT_EQ(testing::HttpGet(address, "/other").status, 404);
  (*ext)->OnPipelinesReady(false);
  EXPECT_EQ(testing::HttpGet(address, "/health").status, 503);
  (*ext)->Shutdown(absl::Now() + absl::Seconds(1));
}

}  // namespace
}  // namespace weir::extensions::health_check
