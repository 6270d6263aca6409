// What an operator reads when weir cannot run: a port in use names the port and the component
// on weir's own log line (no dump from a server library), and a --config that names a directory
// says so.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

using ::testing::HasSubstr;

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

// Every line of `log` is one of weir's: "2026-01-02T03:04:05.678Z level [component] message".
void ExpectOnlyWeirLines(const std::string& log) {
  static const std::regex kWeirLine(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \w+ +\[[^\]]+\] .*)");
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(std::regex_match(std::string(line), kWeirLine)) << "not a weir line: " << line;
  }
}

std::string Config(int grpc_port, int http_port, int metrics_port) {
  return absl::StrCat(R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:)",
                      grpc_port, R"(
      http:
        endpoint: 127.0.0.1:)",
                      http_port, R"(
exporters:
  nop:
service:
  telemetry:
    metrics:
      address: 127.0.0.1:)",
                      metrics_port, R"(
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [nop]
)");
}

TEST(OperatorMessages, APortInUseNamesThePortAndTheComponent) {
  enum Taken { kGrpc, kHttp, kMetrics };
  for (Taken taken : {kGrpc, kHttp, kMetrics}) {
    int ports[] = {FreePort(), FreePort(), FreePort()};
    int port = ports[taken];
    std::string owner = taken == kMetrics ? "service.telemetry.metrics" : "receivers.otlp";
    SCOPED_TRACE(owner + " on " + std::to_string(port));
    PortHolder holder(port);
    ASSERT_TRUE(holder.ok());
    std::string dir = MakeTempDir("port-in-use");
    std::string error;
    auto weir =
        WeirProcess::Start(dir, Config(ports[kGrpc], ports[kHttp], ports[kMetrics]), &error);
    ASSERT_FALSE(weir);
    EXPECT_THAT(error, HasSubstr(absl::StrCat("cannot start: ", owner,
                                              ": cannot listen on 127.0.0.1:", port, ": port ",
                                              port, " is in use")));
    ExpectOnlyWeirLines(error.substr(error.find('\n') + 1));
  }
}

TEST(OperatorMessages, ConfigNamingADirectorySaysSo) {
  std::string dir = MakeTempDir("config-dir");
  RunResult run = RunWeir({"--config", dir});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(dir + ": is a directory; --config takes a YAML file"));
  RunResult validate = RunWeir({"validate", "--config", dir});
  EXPECT_EQ(validate.exit_code, 1);
  EXPECT_THAT(validate.err, HasSubstr(dir + ": is a directory"));
}

}  // namespace
}  // namespace weir::testing
