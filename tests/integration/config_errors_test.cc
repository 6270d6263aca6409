// The weir command line: validate, components, --version, and every kind of config error
// reported with its path and line and a non-zero exit, all problems at once.

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

using ::testing::HasSubstr;

std::string WriteConfig(const std::string& text) {
  std::string dir = MakeTempDir("cfg");
  std::string path = dir + "/config.yaml";
  std::ofstream(path) << text;
  return path;
}

TEST(Cli, VersionAndComponents) {
  RunResult v = RunWeir({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.out, HasSubstr("weir "));
  RunResult c = RunWeir({"components"});
  EXPECT_EQ(c.exit_code, 0);
  for (const char* name : {"otlp", "batch", "debug", "file", "nop", "otlphttp", "health_check",
                           "otlp_grpc", "otlp_http"})
    EXPECT_THAT(c.out, HasSubstr(name));
  EXPECT_EQ(RunWeir({"--bogus"}).exit_code, 2);
  EXPECT_EQ(RunWeir({"validate"}).exit_code, 2);
}

TEST(Cli, ValidateAcceptsEveryShippedExample) {
  // What the examples read from the environment.
  setenv("WEIR_BACKEND_ENDPOINT", "backend.example:4317", 1);
  const std::string tokens = MakeTempDir("examples") + "/tokens";
  std::ofstream(tokens) << "token\n";
  setenv("WEIR_TOKEN_FILE", tokens.c_str(), 1);
  setenv("WEIR_BACKEND_TOKEN", "token", 1);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WEIR_SOURCE_DIR "/deploy/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    RunResult r = RunWeir({"validate", "--config", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << ": " << r.err;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST(Cli, ReportsEveryProblemWithPathAndLine) {
  std::string path = WriteConfig(R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: localhost:99999
  kafka:
processors:
  batch:
    timeout: soon
    send_batch_size: 10
    send_batch_max_size: 5
exporters:
  file/main:
    format: json
  debug:
    verbosity: chatty
    colour: red
service:
  pipelines:
    traces:
      receivers: [otlp, jaeger]
      processors: [batch]
      exporters: [file/main, otlp/missing]
    traces/empty:
      processors: [batch]
    metrics:
      receivers: [otlp]
      exporters: [debug]
)");
  RunResult r = RunWeir({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  const char* expected[] = {
      "receivers.otlp.protocols.grpc.endpoint: invalid port",
      "(line 5)",
      "receivers.kafka: unknown receiver type \"kafka\"; known types: jaeger, otlp, zipkin (line 6)",
      "processors.batch.timeout: expected a duration",
      "(line 9)",
      "processors.batch.send_batch_max_size: must be greater than or equal to send_batch_size "
      "(line 11)",
      "exporters.file/main.path: required (line 13)",
      "exporters.debug.verbosity: expected basic, normal or detailed (line 16)",
      "exporters.debug.colour: unknown key (line 17)",
      "service.pipelines.traces.receivers[1]: references receiver \"jaeger\" which is not defined",
      "service.pipelines.traces.exporters[1]: references exporter \"otlp/missing\"",
      "service.pipelines.traces/empty.receivers: required",
      "service.pipelines.traces/empty.exporters: required",
      "service.pipelines.metrics: weir handles traces only",
  };
  for (const char* e : expected) EXPECT_THAT(r.err, HasSubstr(e));
}

TEST(Cli, RunRefusesABadConfigBeforeStarting) {
  std::string path = WriteConfig("receivers:\n  otlp:\nservice:\n  pipelines: {}\n");
  RunResult r = RunWeir({"--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("invalid configuration"));
  EXPECT_THAT(r.err, HasSubstr("service.pipelines: at least one traces pipeline is required"));
}

TEST(Cli, TwoListenersOnOnePort) {
  std::string path = WriteConfig(R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:14317
      http:
        endpoint: 127.0.0.1:14317
extensions:
  health_check:
    endpoint: localhost:8888
exporters:
  nop:
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [nop]
)");
  RunResult r = RunWeir({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("receivers.otlp: listens on 127.0.0.1:14317, which receivers.otlp "
                               "already uses (0.0.0.0:14317)"));
  EXPECT_THAT(r.err, HasSubstr("service.telemetry.metrics: listens on localhost:8888, which "
                               "extensions.health_check already uses"));
}

TEST(Cli, WrongValueTypesAndBadYaml) {
  std::string path = WriteConfig(R"(receivers:
  otlp:
    protocols:
      http:
        max_request_body_size: [1, 2]
exporters:
  nop:
service:
  pipelines:
    traces:
      receivers: otlp
      exporters: [nop]
)");
  RunResult r = RunWeir({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("receivers.otlp.protocols.http.max_request_body_size: expected a "
                               "single value, got a list"));
  EXPECT_THAT(r.err, HasSubstr("service.pipelines.traces.receivers: expected a list"));

  std::string broken = WriteConfig("receivers:\n  otlp: [\n");
  r = RunWeir({"validate", "--config", broken});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("invalid YAML"));
  r = RunWeir({"validate", "--config", "/nonexistent.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent.yaml: cannot read the configuration file"));
}

TEST(Cli, ValidateChecksThatFileExporterPathsCanBeCreated) {
  std::string path = WriteConfig(R"(receivers:
  otlp:
exporters:
  file:
    path: /etc/hostname/archive/traces.json
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
)");
  RunResult r = RunWeir({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("exporters.file.path"));
  EXPECT_THAT(r.err, HasSubstr("cannot be created: \"/etc/hostname\" is not a directory"));
}

TEST(Cli, MemorySettingsAreChecked) {
  std::string path = WriteConfig(R"(receivers:
  otlp:
    protocols:
      grpc:
processors:
  memory_limiter:
    limit_mib: 100
exporters:
  otlp:
    endpoint: localhost:4317
    sending_queue:
      sizer: spans
service:
  memory_limit_mib: -5
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [otlp]
)");
  RunResult r = RunWeir({"validate", "--config", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("service.memory_limit_mib: must be between 0"));
  EXPECT_THAT(r.err, HasSubstr("processors.memory_limiter.check_interval: must be greater than 0"));
  EXPECT_THAT(r.err, HasSubstr("exporters.otlp.sending_queue.sizer: unknown sizer \"spans\""));
}

TEST(Cli, SeveralConfigsMergeAndEnvExpands) {
  std::string base = WriteConfig(R"(receivers:
  otlp:
    protocols:
      grpc:
        endpoint: ${env:WEIR_IT_ENDPOINT:-localhost:4317}
exporters:
  file:
    path: ${env:WEIR_IT_FILE}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
)");
  // Without the variable, file.path expands to "" and is reported as required.
  unsetenv("WEIR_IT_FILE");
  RunResult r = RunWeir({"validate", "--config", base});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("exporters.file.path: required"));
  setenv("WEIR_IT_FILE", "/tmp/weir-it.json", 1);
  r = RunWeir({"validate", "--config", base});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A second file overrides one key of the first.
  std::string overlay =
      WriteConfig("receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: bad\n");
  r = RunWeir({"validate", "--config", base, "--config", overlay});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("receivers.otlp.protocols.grpc.endpoint: expected host:port"));
}

}  // namespace
}  // namespace weir::testing
