// The otlp receiver with `auth` on both protocols, over real gRPC and HTTP, against a fake
// server authenticator: refused requests never reach the pipeline and are counted; accepted
// ones are delivered.
#include "pipeline/auth.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/net/http_test_client.h"
#include "receivers/otlp/factory.h"
#include "receivers/otlp/receiver.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::receivers::otlp {
namespace {

using ::testing::HasSubstr;

// Accepts `authorization: Bearer right`; counts how often it was asked.
class FakeAuthenticator final : public pipeline::Extension, public pipeline::ServerAuthenticator {
 public:
  absl::Status Start(pipeline::Host&) override { return absl::OkStatus(); }
  void Shutdown(absl::Time) override {}
  absl::Status Authenticate(pipeline::HeaderLookup header) const override {
    ++calls;
    std::optional<absl::string_view> value = header("authorization");
    if (!value) return absl::UnauthenticatedError("missing Authorization header");
    if (*value == "Bearer busy") return absl::ResourceExhaustedError("too many checks");
    if (*value != "Bearer right") return absl::UnauthenticatedError("token does not match");
    return absl::OkStatus();
  }
  std::string Challenge() const override { return "Bearer realm=\"weir\""; }
  mutable std::atomic<int> calls{0};
};

// An extension that is not an authenticator.
class PlainExtension final : public pipeline::Extension {
 public:
  absl::Status Start(pipeline::Host&) override { return absl::OkStatus(); }
  void Shutdown(absl::Time) override {}
};

constexpr char kAuthConfig[] = R"(
protocols:
  grpc:
    endpoint: 127.0.0.1:0
    auth:
      authenticator: bearertokenauth/in
  http:
    endpoint: 127.0.0.1:0
    auth:
      authenticator: bearertokenauth/in
)";

class ReceiverAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { host_.extensions["bearertokenauth/in"] = &auth_; }
  absl::Status Start(const std::string& yaml = kAuthConfig) {
    auto cfg = testing::DecodeOrFail(Factory(), yaml);
    receiver_ = std::make_unique<Receiver>(env_.SettingsFor("otlp"),
                                           static_cast<const Config&>(*cfg), sink_);
    return receiver_->Start(host_);
  }
  void TearDown() override {
    if (receiver_) receiver_->Shutdown(absl::Now() + absl::Seconds(5));
  }
  double Metric(const std::string& name) { return env_.telemetry.Sum(name); }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  testing::SinkConsumer sink_;
  FakeAuthenticator auth_;
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(ReceiverAuthTest, ConfigDecodesAuth) {
  auto cfg = testing::DecodeOrFail(Factory(), kAuthConfig);
  const auto& c = static_cast<const Config&>(*cfg);
  ASSERT_TRUE(c.grpc->auth && c.http->auth);
  EXPECT_EQ(c.grpc->auth->authenticator, "bearertokenauth/in");
  EXPECT_EQ(c.grpc->auth->path, "otlp.protocols.grpc.auth.authenticator");
  auto refs = Factory().AuthReferences(c);
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_TRUE(refs[0].server && refs[1].server);

  config::Diagnostics d;
  Factory().DecodeConfig(config::Node(
      YAML::Load("protocols:\n  grpc:\n    auth: {authenticator: 'bad id!', other: 1}\n"
                 "  http:\n    auth: {}\n"),
      "receivers.otlp", &d));
  EXPECT_THAT(d.ToString(), HasSubstr("receivers.otlp.protocols.grpc.auth.authenticator"));
  EXPECT_THAT(d.ToString(), HasSubstr("receivers.otlp.protocols.grpc.auth.other"));
  EXPECT_THAT(d.ToString(), HasSubstr("receivers.otlp.protocols.http.auth.authenticator"));
}

TEST_F(ReceiverAuthTest, GrpcRefusesWithoutTheRightToken) {
  ASSERT_TRUE(Start().ok());
  weir::otlp::ExportResponse response;
  grpc::Status none =
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 3), &response);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("missing Authorization header"));
  grpc::Status wrong =
      testing::GrpcExportWithMetadata(receiver_->grpc_address(), testing::MakeRequest(1, 1, 3),
                                      {{"authorization", "Bearer wrong"}}, &response);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_EQ(Metric("weir_receiver_unauthenticated_requests"), 2);
  EXPECT_EQ(Metric("weir_receiver_refused_requests"), 2);
  EXPECT_EQ(Metric("otelcol_receiver_accepted_spans"), 0);

  grpc::Status right =
      testing::GrpcExportWithMetadata(receiver_->grpc_address(), testing::MakeRequest(1, 1, 3),
                                      {{"authorization", "Bearer right"}}, &response);
  ASSERT_TRUE(right.ok()) << right.error_message();
  EXPECT_EQ(sink_.span_count(), 3u);
  EXPECT_EQ(Metric("otelcol_receiver_accepted_spans"), 3);
}

TEST_F(ReceiverAuthTest, AnAuthenticatorThatCannotCheckNowIsAnsweredRetryLater) {
  ASSERT_TRUE(Start().ok());
  weir::otlp::ExportResponse response;
  grpc::Status g = testing::GrpcExportWithMetadata(
      receiver_->grpc_address(), testing::MakeRequest(1, 1, 3),
      {{"authorization", "Bearer busy"}}, &response);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(g.error_details().empty());  // google.rpc.Status with RetryInfo
  auto h = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                             testing::MakeRequest(1, 1, 3).SerializeAsString(),
                             {{"Authorization", "Bearer busy"}});
  EXPECT_EQ(h.status, 429) << h.body;
  EXPECT_EQ(h.headers["retry-after"], "1");
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_EQ(Metric("weir_receiver_unauthenticated_requests"), 0);
}

TEST_F(ReceiverAuthTest, HttpRefusesWithoutTheRightToken) {
  ASSERT_TRUE(Start().ok());
  const std::string body = testing::MakeRequest(1, 1, 2).SerializeAsString();
  auto none =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer realm=\"weir\"");
  EXPECT_THAT(none.body, HasSubstr("missing Authorization header"));
  auto wrong = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                                 body, {{"Authorization", "Bearer wrong"}});
  EXPECT_EQ(wrong.status, 401);
  // The check comes before routing: a wrong path is not revealed to an unauthenticated client.
  auto elsewhere = testing::HttpPost(receiver_->http_address(), "/other", "text/plain", "x");
  EXPECT_EQ(elsewhere.status, 401);
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_EQ(Metric("weir_receiver_unauthenticated_requests"), 3);

  auto right = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                                 body, {{"Authorization", "Bearer right"}});
  EXPECT_EQ(right.status, 200) << right.body;
  EXPECT_EQ(sink_.span_count(), 2u);
}

TEST_F(ReceiverAuthTest, HttpRefusesBeforeReadingTheBody) {
  ASSERT_TRUE(Start().ok());
  // A header that declares a large body and sends none of it: the 401 comes at once, without
  // waiting for the body (which would time out after read_timeout).
  std::string head =
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
      "Content-Length: 10000000\r\n\r\n";
  net::testing::RawClient client(receiver_->http_address());
  ASSERT_TRUE(client.Send(head));
  std::optional<net::testing::RawResponse> r = client.ReadResponse(absl::Seconds(10));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->header("www-authenticate"), "Bearer realm=\"weir\"");
  EXPECT_EQ(client.ReadToEnd(absl::Seconds(10)), net::testing::RawClient::End::kClosed);
  EXPECT_EQ(auth_.calls, 1);
  EXPECT_EQ(sink_.span_count(), 0u);
}

TEST_F(ReceiverAuthTest, OnlyTheConfiguredProtocolIsGuarded) {
  ASSERT_TRUE(Start(R"(
protocols:
  grpc:
    endpoint: 127.0.0.1:0
  http:
    endpoint: 127.0.0.1:0
    auth: {authenticator: bearertokenauth/in}
)")
                  .ok());
  weir::otlp::ExportResponse response;
  EXPECT_TRUE(
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 1), &response)
          .ok());
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                             testing::MakeRequest(1, 1, 1).SerializeAsString());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(sink_.span_count(), 1u);
}

TEST_F(ReceiverAuthTest, StartFailsWhenTheAuthenticatorIsMissing) {
  host_.extensions.clear();
  absl::Status s = Start();
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("protocols.grpc.auth.authenticator"));

  PlainExtension plain;
  host_.extensions["bearertokenauth/in"] = &plain;
  s = Start();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("is not a server authenticator"));
}

}  // namespace
}  // namespace weir::receivers::otlp
