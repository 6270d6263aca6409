// Authentication with the real binary: config errors of `auth` reported by `weir validate`
// with their path, and two weir instances, A (client auth on its exporters) sending to B
// (server auth on its receiver), with bearertokenauth on gRPC and basicauth on HTTP, across a
// SIGHUP reload of B.

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Validate(const std::string& yaml) {
  std::string dir = MakeTempDir("authcfg");
  std::ofstream(dir + "/c.yaml") << yaml;
  RunResult r = RunWeir({"validate", "--config", dir + "/c.yaml"});
  EXPECT_NE(r.exit_code, 0) << "expected validation to fail:\n" << yaml;
  return r.err + r.out;
}

// A receiver with `auth` on gRPC, an exporter with `auth`, and the `extensions`/`service`
// sections as given.
std::string AuthConfig(const std::string& receiver_auth, const std::string& exporter_auth,
                       const std::string& extensions, const std::string& enabled) {
  return R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        auth: {authenticator: )" +
         receiver_auth + R"(}
exporters:
  otlp:
    endpoint: 127.0.0.1:4317
    tls: {insecure: true}
    auth: {authenticator: )" +
         exporter_auth + R"(}
extensions:
)" + extensions +
         R"(
service:
  extensions: [)" +
         enabled + R"(]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp]
)";
}

TEST(AuthConfig, AnAuthenticatorThatIsNoneOfWeirsIsAnError) {
  std::string out = Validate(
      AuthConfig("oidc", "bearertokenauth", "  bearertokenauth: {token: t}", "bearertokenauth"));
  EXPECT_THAT(out, HasSubstr("receivers.otlp.protocols.grpc.auth.authenticator"));
  EXPECT_THAT(out, HasSubstr("\"oidc\" is not a supported authenticator"));
  EXPECT_THAT(out, HasSubstr("basicauth, bearertokenauth"));
  // An extension of another kind is no authenticator either.
  out = Validate(AuthConfig("health_check", "bearertokenauth",
                            "  bearertokenauth: {token: t}\n  health_check: {endpoint: "
                            "127.0.0.1:0}",
                            "bearertokenauth, health_check"));
  EXPECT_THAT(out, HasSubstr("\"health_check\" is not a supported authenticator"));
}

TEST(AuthConfig, TheExtensionMustBeDefined) {
  std::string out = Validate(AuthConfig("bearertokenauth/in", "bearertokenauth/out",
                                        "  bearertokenauth/in: {token: t}", "bearertokenauth/in"));
  EXPECT_THAT(out, HasSubstr("exporters.otlp.auth.authenticator"));
  EXPECT_THAT(out, HasSubstr("\"bearertokenauth/out\" which is not defined in extensions"));
  EXPECT_THAT(out, Not(HasSubstr("receivers.otlp.protocols.grpc.auth")));
}

TEST(AuthConfig, TheExtensionMustBeEnabled) {
  std::string out = Validate(AuthConfig(
      "bearertokenauth/in", "bearertokenauth/out",
      "  bearertokenauth/in: {token: t}\n  bearertokenauth/out: {token: t}", "bearertokenauth/in"));
  EXPECT_THAT(out, HasSubstr("exporters.otlp.auth.authenticator"));
  EXPECT_THAT(out, HasSubstr("not enabled: add it to service.extensions"));
}

TEST(AuthConfig, BasicauthPlaysOneRole) {
  std::string out =
      Validate(AuthConfig("basicauth/client", "basicauth/server",
                          "  basicauth/client: {client_auth: {username: u, password: p}}\n"
                          "  basicauth/server: {htpasswd: {inline: 'u:p'}}",
                          "basicauth/client, basicauth/server"));
  EXPECT_THAT(out, HasSubstr("receivers.otlp.protocols.grpc.auth.authenticator"));
  EXPECT_THAT(out, HasSubstr("\"basicauth/client\" is not configured as a server authenticator"));
  EXPECT_THAT(out, HasSubstr("exporters.otlp.auth.authenticator"));
  EXPECT_THAT(out, HasSubstr("\"basicauth/server\" is not configured as a client authenticator"));
}

TEST(AuthConfig, TheShippedExampleValidates) {
  std::string dir = MakeTempDir("authexample");
  std::ofstream(dir + "/token") << "t\n";
  setenv("WEIR_TOKEN_FILE", (dir + "/token").c_str(), 1);
  setenv("WEIR_BACKEND_ENDPOINT", "backend.example:4317", 1);
  setenv("WEIR_BACKEND_TOKEN", "b", 1);
  RunResult r =
      RunWeir({"validate", "--config", WEIR_SOURCE_DIR "/deploy/configs/gateway-auth.yaml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The sum of every series of `name` in `weir`'s metrics at `address`.
double MetricSum(const std::string& address, const std::string& name) {
  std::string text = HttpGet(address, "/metrics").body;
  double total = 0;
  for (size_t at = text.find("\n" + name + "{"); at != std::string::npos;
       at = text.find("\n" + name + "{", at + 1)) {
    size_t end = text.find('\n', at + 1);
    std::string line = text.substr(at + 1, end - at - 1);
    total += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

TEST(AuthEndToEnd, ClientAuthOnOneWeirServerAuthOnTheOther) {
  std::string dir_b = MakeTempDir("auth_b");
  std::string dir_a = MakeTempDir("auth_a");
  const int grpc_port = FreePort();
  const int http_port = FreePort();
  const std::string metrics_b = "127.0.0.1:" + std::to_string(FreePort());
  std::ofstream(dir_b + "/token") << "s3cret\n";
  std::string config_b = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:)" +
                         std::to_string(grpc_port) + R"(
        auth: {authenticator: bearertokenauth/in}
      http:
        endpoint: 127.0.0.1:)" +
                         std::to_string(http_port) + R"(
        auth: {authenticator: basicauth/in}
exporters:
  file:
    path: )" + dir_b + R"(/out.json
extensions:
  bearertokenauth/in:
    filename: )" + dir_b +
                         R"(/token
  basicauth/in:
    htpasswd:
      inline: |
        weir-a:$6$saltsalt$QHiFYvE1ImgHy2CdO8gPUtfYwpcdbkINIm.kV85xPw9A0ZLyOXXrqenfgna22dwjseWbzBoUj6llJs0VyEoLm.
service:
  extensions: [bearertokenauth/in, basicauth/in]
  telemetry:
    metrics:
      address: )" + metrics_b +
                         R"(
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
)";
  std::string error;
  auto b = WeirProcess::Start(dir_b, config_b, &error);
  ASSERT_TRUE(b) << error;

  std::string config_a = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  otlp:
    endpoint: 127.0.0.1:)" +
                         std::to_string(grpc_port) + R"(
    tls: {insecure: true}
    auth: {authenticator: bearertokenauth/out}
    retry_on_failure: {enabled: false}
  otlphttp:
    endpoint: http://127.0.0.1:)" +
                         std::to_string(http_port) + R"(
    auth: {authenticator: basicauth/out}
    retry_on_failure: {enabled: false}
extensions:
  bearertokenauth/out:
    token: s3cret
  basicauth/out:
    client_auth: {username: weir-a, password: pa55}
service:
  extensions: [bearertokenauth/out, basicauth/out]
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp, otlphttp]
)";
  auto a = WeirProcess::Start(dir_a, config_a, &error);
  ASSERT_TRUE(a) << error;

  // Straight to B without credentials, or with wrong ones: refused, nothing delivered.
  otlp::ExportResponse response;
  grpc::Status refused = GrpcExport(b->GrpcAddress(), MakeRequest(1, 1, 3), &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  refused = GrpcExportWithMetadata(b->GrpcAddress(), MakeRequest(1, 1, 3),
                                   {{"authorization", "Bearer guess"}}, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::string body = MakeRequest(1, 1, 3).SerializeAsString();
  HttpResult http_refused =
      HttpPost(b->HttpAddress(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(http_refused.status, 401);
  EXPECT_EQ(http_refused.headers["www-authenticate"], "Basic realm=\"weir\"");
  http_refused = HttpPost(b->HttpAddress(), "/v1/traces", "application/x-protobuf", body,
                          {{"Authorization", "Basic " + absl::Base64Escape("weir-a:wrong")}});
  EXPECT_EQ(http_refused.status, 401);
  // A third-party-style client with the right header gets in.
  HttpResult http_ok = HttpPost(b->HttpAddress(), "/v1/traces", "application/x-protobuf",
                                MakeRequest(1, 1, 1).SerializeAsString(),
                                {{"Authorization", "Basic " + absl::Base64Escape("weir-a:pa55")}});
  EXPECT_EQ(http_ok.status, 200) << http_ok.body;
  HttpResult metrics = HttpGet(metrics_b, "/metrics");
  EXPECT_THAT(metrics.body,
              HasSubstr("weir_receiver_unauthenticated_requests{receiver=\"otlp\",transport="
                        "\"grpc\"} 2"));
  EXPECT_THAT(metrics.body,
              HasSubstr("weir_receiver_unauthenticated_requests{receiver=\"otlp\",transport="
                        "\"http\"} 2"));
  EXPECT_THAT(b->Log(), HasSubstr("refused an unauthenticated request"));
  EXPECT_THAT(b->Log(), Not(HasSubstr("s3cret")));

  // Through A, whose exporters authenticate: 5 spans reach B over each of gRPC and HTTP.
  ASSERT_TRUE(GrpcExport(a->GrpcAddress(), MakeRequest(1, 1, 5, 1), &response).ok());
  auto accepted = [&] { return MetricSum(metrics_b, "otelcol_receiver_accepted_spans"); };
  ASSERT_TRUE(WaitFor([&] { return accepted() >= 11; }, std::chrono::seconds(20)))
      << accepted() << "\n"
      << a->Log() << "\n"
      << b->Log();

  // B reloads (SIGHUP) on the same ports; authentication keeps working afterwards.
  kill(b->pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Count(b->Log(), "everything is ready") >= 2; },
                      std::chrono::seconds(30)))
      << b->Log();
  ASSERT_TRUE(GrpcExport(a->GrpcAddress(), MakeRequest(1, 1, 4, 2), &response).ok());
  // 8 more spans, 4 over each transport (the counters span reloads).
  ASSERT_TRUE(WaitFor([&] { return accepted() >= 19; }, std::chrono::seconds(20)))
      << accepted() << "\n"
      << a->Log() << "\n"
      << b->Log();
  EXPECT_EQ(GrpcExport(b->GrpcAddress(), MakeRequest(1, 1, 1), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_EQ(accepted(), 19);  // nothing unauthenticated got in

  ASSERT_EQ(a->Stop(SIGTERM, std::chrono::seconds(20)), 0) << a->Log();
  ASSERT_EQ(b->Stop(SIGTERM, std::chrono::seconds(20)), 0) << b->Log();
  // A reload keeps what the file exporter wrote before it: every span B accepted.
  EXPECT_EQ(SpanKeys(ReadJsonLines(dir_b + "/out.json")).size(), 19u);
}

}  // namespace
}  // namespace weir::testing
