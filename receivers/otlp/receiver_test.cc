#include "receivers/otlp/receiver.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "receivers/otlp/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/test_certificate.h"

namespace weir::receivers::otlp {
namespace {

namespace http = boost::beast::http;
using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

constexpr char kLoopbackConfig[] = R"(
protocols:
  grpc:
    endpoint: 127.0.0.1:0
  http:
    endpoint: 127.0.0.1:0
)";

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "receivers.otlp", &d));
  if (out) *out = std::move(cfg);
  return d;
}

TEST(OtlpReceiverConfig, DefaultsMatchOtelcol) {
  std::unique_ptr<Config> cfg;
  config::Diagnostics d;
  cfg = DecodeConfig(config::Node(YAML::Node(), "receivers.otlp", &d));
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(cfg->grpc && cfg->http);
  EXPECT_EQ(cfg->grpc->endpoint, "localhost:4317");
  EXPECT_EQ(cfg->grpc->max_recv_msg_size_mib, 4);
  EXPECT_EQ(cfg->http->endpoint, "localhost:4318");
  EXPECT_EQ(cfg->http->traces_url_path, "/v1/traces");
  EXPECT_EQ(cfg->http->max_request_body_size, 20 << 20);
  EXPECT_EQ(cfg->http->read_header_timeout, absl::Seconds(10));
  EXPECT_EQ(cfg->http->read_timeout, absl::Seconds(60));
  EXPECT_EQ(cfg->http->write_timeout, absl::Seconds(30));
  EXPECT_EQ(cfg->http->idle_timeout, absl::Seconds(60));
  EXPECT_TRUE(cfg->http->keep_alives_enabled);
}

TEST(OtlpReceiverConfig, OnlyListedProtocolsAreEnabled) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("protocols:\n  grpc:\n", &cfg).ok());
  EXPECT_TRUE(cfg->grpc);
  EXPECT_FALSE(cfg->http);
}

TEST(OtlpReceiverConfig, TestdataDecodesExactly) {
  YAML::Node doc = YAML::LoadFile(WEIR_SOURCE_DIR "/receivers/otlp/testdata/config.yaml");
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(doc["receivers"]["otlp/custom"], "x", &d));
  ASSERT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(cfg->grpc->endpoint, "0.0.0.0:5317");
  EXPECT_EQ(cfg->grpc->max_recv_msg_size_mib, 16);
  EXPECT_EQ(cfg->grpc->max_concurrent_streams, 100);
  EXPECT_EQ(cfg->http->endpoint, "0.0.0.0:5318");
  EXPECT_EQ(cfg->http->traces_url_path, "/ingest/traces");
  EXPECT_EQ(cfg->http->max_request_body_size, 1048576);
  EXPECT_EQ(cfg->http->read_header_timeout, absl::Seconds(5));
  EXPECT_EQ(cfg->http->read_timeout, absl::Minutes(2));
  EXPECT_EQ(cfg->http->write_timeout, absl::ZeroDuration());
  EXPECT_EQ(cfg->http->idle_timeout, absl::Seconds(90));
  EXPECT_FALSE(cfg->http->keep_alives_enabled);
}

TEST(OtlpReceiverConfig, EachRuleFails) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"protocols: {}", "receivers.otlp.protocols"},
      {"protocols:\n  grpc:\n    endpoint: nohost", "receivers.otlp.protocols.grpc.endpoint"},
      {"protocols:\n  grpc:\n    endpoint: h:99999", "receivers.otlp.protocols.grpc.endpoint"},
      {"protocols:\n  grpc:\n    max_recv_msg_size_mib: 0",
       "receivers.otlp.protocols.grpc.max_recv_msg_size_mib"},
      {"protocols:\n  grpc:\n    transport: unix", "receivers.otlp.protocols.grpc.transport"},
      {"protocols:\n  grpc:\n    tls: {cert_file: a}",
       "receivers.otlp.protocols.grpc.tls.key_file"},
      {"protocols:\n  http:\n    tls: {cert_file: /nonexistent, key_file: /nonexistent}",
       "receivers.otlp.protocols.http.tls.cert_file"},
      {"protocols:\n  http:\n    tls: {min_version: \"1.0\"}",
       "receivers.otlp.protocols.http.tls.min_version"},
      {"protocols:\n  http:\n    cors: {allowed_origins: [\"*\"]}",
       "receivers.otlp.protocols.http.cors"},
      {"protocols:\n  http:\n    traces_url_path: v1",
       "receivers.otlp.protocols.http.traces_url_path"},
      {"protocols:\n  http:\n    max_request_body_size: 0",
       "receivers.otlp.protocols.http.max_request_body_size"},
      {"protocols:\n  http:\n    endpiont: a:1", "receivers.otlp.protocols.http.endpiont"},
      {"protocols:\n  thrift:\n", "receivers.otlp.protocols.thrift"},
      {"protocol:\n  grpc:\n", "receivers.otlp.protocol"},
  };
  for (const Case& c : cases) {
    config::Diagnostics d = Decode(c.yaml);
    ASSERT_FALSE(d.ok()) << c.yaml;
    bool found = false;
    for (const auto& p : d.problems()) found = found || p.path == c.path;
    EXPECT_TRUE(found) << c.yaml << "\n" << d.ToString();
  }
}

TEST(OtlpReceiver, Conformance) {
  testing::RunReceiverConformance(Factory(), kLoopbackConfig, [](pipeline::Component& r) {
    auto& receiver = static_cast<Receiver&>(r);
    weir::otlp::ExportResponse response;
    grpc::Status s = testing::GrpcExport(receiver.grpc_address(), testing::MakeRequest(1, 1, 2),
                                         &response);
    return s.ok() ? absl::OkStatus() : absl::UnavailableError(s.error_message());
  });
}

class ReceiverTest : public ::testing::Test {
 protected:
  void StartWith(pipeline::TracesConsumer& next, const std::string& yaml = kLoopbackConfig) {
    std::unique_ptr<Config> cfg;
    auto d = Decode(yaml, &cfg);
    ASSERT_TRUE(d.ok()) << d.ToString();
    receiver_ = std::make_unique<Receiver>(env_.SettingsFor("otlp"), *cfg, next);
    ASSERT_TRUE(receiver_->Start(host_).ok());
  }
  void TearDown() override {
    if (receiver_) receiver_->Shutdown(absl::Now() + absl::Seconds(5));
  }
  std::string Metrics() { return env_.telemetry.Scrape(); }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  testing::SinkConsumer sink_;
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(ReceiverTest, GrpcExportDeliversSpans) {
  StartWith(sink_);
  weir::otlp::ExportRequest request = testing::MakeRequest(2, 2, 3);
  weir::otlp::ExportResponse response;
  grpc::Status s = testing::GrpcExport(receiver_->grpc_address(), request, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(response.has_partial_success());
  EXPECT_TRUE(MessageDifferencer::Equals(sink_.Merged().ToRequest(), request));
  EXPECT_THAT(
      Metrics(),
      HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"} 12"));
}

constexpr char kMetadataConfig[] = R"(
protocols:
  grpc:
    endpoint: 127.0.0.1:0
    include_metadata: true
  http:
    endpoint: 127.0.0.1:0
    include_metadata: true
)";

// One gRPC export with metadata x-tenant: a, then one HTTP export with header X-Tenant: b;
// returns the contexts the sink saw.
std::vector<pipeline::RequestContext> SendTenantAOverGrpcAndBOverHttp(const Receiver& receiver,
                                                                     testing::SinkConsumer& sink) {
  weir::otlp::ExportResponse response;
  grpc::Status s = testing::GrpcExportWithMetadata(
      receiver.grpc_address(), testing::MakeRequest(1, 1, 2), {{"x-tenant", "a"}}, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  auto r =
      testing::HttpPost(receiver.http_address(), "/v1/traces", "application/x-protobuf",
                        testing::MakeRequest(1, 1, 1).SerializeAsString(), {{"X-Tenant", "b"}});
  EXPECT_EQ(r.status, 200) << r.body;
  return sink.contexts();
}

TEST_F(ReceiverTest, ContextCarriesClientAddressTransportAndDeadline) {
  StartWith(sink_);
  std::vector<pipeline::RequestContext> contexts = SendTenantAOverGrpcAndBOverHttp(*receiver_, sink_);
  ASSERT_EQ(contexts.size(), 2u);
  EXPECT_EQ(contexts[0].transport, pipeline::RequestContext::Transport::kGrpc);
  EXPECT_EQ(contexts[1].transport, pipeline::RequestContext::Transport::kHttp);
  for (const auto& c : contexts) {
    EXPECT_TRUE(absl::StartsWith(c.client_address, "127.0.0.1:")) << c.client_address;
    EXPECT_GT(c.received_at_ns, 0);
    EXPECT_TRUE(c.metadata.empty());  // include_metadata is off by default
  }
  // The client set a 10 s deadline on the gRPC call; HTTP has none.
  EXPECT_LT(contexts[0].deadline, absl::Now() + absl::Seconds(11));
  EXPECT_EQ(contexts[1].deadline, absl::InfiniteFuture());
}

TEST_F(ReceiverTest, IncludeMetadataHandsHeadersAndMetadataDown) {
  StartWith(sink_, kMetadataConfig);
  std::vector<pipeline::RequestContext> contexts = SendTenantAOverGrpcAndBOverHttp(*receiver_, sink_);
  ASSERT_EQ(contexts.size(), 2u);
  EXPECT_THAT(contexts[0].Get("X-Tenant"), ::testing::ElementsAre("a"));
  EXPECT_THAT(contexts[1].Get("x-tenant"), ::testing::ElementsAre("b"));
  EXPECT_THAT(contexts[1].Get("content-type"), ::testing::ElementsAre("application/x-protobuf"));
}

TEST_F(ReceiverTest, MetadataIsBounded) {
  StartWith(sink_, kMetadataConfig);
  std::map<std::string, std::string> headers;
  for (int i = 0; i < 200; ++i) headers[absl::StrCat("x-h", i)] = std::string(100, 'v');
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                             testing::MakeRequest(1, 1, 1).SerializeAsString(), headers);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<pipeline::RequestContext> contexts = sink_.contexts();
  ASSERT_EQ(contexts.size(), 1u);
  EXPECT_LE(contexts[0].metadata.size(), pipeline::RequestContext::kMaxMetadataEntries);
  EXPECT_GT(contexts[0].metadata.size(), 10u);
}

TEST_F(ReceiverTest, GrpcGzipRequest) {
  StartWith(sink_);
  weir::otlp::ExportResponse response;
  ASSERT_TRUE(testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 5),
                                  &response, /*gzip=*/true)
                  .ok());
  EXPECT_EQ(sink_.span_count(), 5u);
}

TEST_F(ReceiverTest, GrpcRefusalIsRetryable) {
  testing::FailingConsumer full(absl::ResourceExhaustedError("queue full"));
  StartWith(full);
  weir::otlp::ExportResponse response;
  grpc::Status s =
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 2), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(s.error_details().empty());  // carries RetryInfo
  EXPECT_THAT(Metrics(),
              HasSubstr("otelcol_receiver_refused_spans{receiver=\"otlp\",transport=\"grpc\"} 2"));
}

TEST_F(ReceiverTest, GrpcPartialSuccessForInvalidSpans) {
  StartWith(sink_);
  weir::otlp::ExportRequest request = testing::MakeRequest(1, 1, 4);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_trace_id(
      "short");
  weir::otlp::ExportResponse response;
  ASSERT_TRUE(testing::GrpcExport(receiver_->grpc_address(), request, &response).ok());
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_THAT(response.partial_success().error_message(), HasSubstr("trace id"));
  EXPECT_EQ(sink_.span_count(), 3u);
}

// A request protobuf parses but a stricter decoder downstream would read differently is refused
// whole, naming the field, and its spans count as refused.
TEST_F(ReceiverTest, AmbiguousRequestIsRefusedWithItsFieldPath) {
  StartWith(sink_);
  weir::otlp::ExportRequest request = testing::MakeRequest(1, 1, 3);
  weir::otlp::Span* span =
      request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1);
  span->GetReflection()->MutableUnknownFields(span)->AddVarint(5, 7);  // name as a varint
  const char kPath[] = "resource_spans[0].scope_spans[0].spans[1].name: wire type varint";
  weir::otlp::ExportResponse response;
  grpc::Status s = testing::GrpcExport(receiver_->grpc_address(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr(kPath));
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                             request.SerializeAsString());
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr(kPath));
  // OTLP/JSON nested deeper than the protobuf encoding may be is refused the same way.
  std::string value = R"({"intValue":"1"})";
  for (int i = 0; i < 60; ++i) value = absl::StrCat(R"({"arrayValue":{"values":[)", value, "]}}");
  auto deep = testing::HttpPost(
      receiver_->http_address(), "/v1/traces", "application/json",
      absl::StrCat(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","attributes":[)",
                   R"({"key":"k","value":)", value, "}]}]}]}]}"));
  EXPECT_EQ(deep.status, 400);
  EXPECT_THAT(deep.body, HasSubstr("nested deeper than 100 levels"));
  EXPECT_EQ(sink_.span_count(), 0u);
  const std::string metrics = Metrics();
  EXPECT_THAT(metrics,
              HasSubstr("otelcol_receiver_refused_spans{receiver=\"otlp\",transport=\"grpc\"} 3"));
  EXPECT_THAT(metrics,
              HasSubstr("otelcol_receiver_refused_spans{receiver=\"otlp\",transport=\"http\"} 4"));
}

TEST_F(ReceiverTest, GrpcOversizedMessageIsRejected) {
  StartWith(sink_,
            "protocols:\n  grpc:\n    endpoint: 127.0.0.1:0\n    max_recv_msg_size_mib: 1\n");
  weir::otlp::ExportRequest request = testing::MakeRequest(1, 1, 1);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(
      std::string(2 << 20, 'x'));
  weir::otlp::ExportResponse response;
  grpc::Status s = testing::GrpcExport(receiver_->grpc_address(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The receiver keeps serving.
  ASSERT_TRUE(
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 2), &response)
          .ok());
  EXPECT_EQ(sink_.span_count(), 2u);
}

TEST_F(ReceiverTest, HttpProtobufAndJson) {
  StartWith(sink_);
  weir::otlp::ExportRequest a = testing::MakeRequest(1, 2, 2, 1),
                            b = testing::MakeRequest(2, 1, 3, 2);
  auto r1 = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                              a.SerializeAsString());
  ASSERT_EQ(r1.status, 200) << r1.body << r1.error;
  EXPECT_EQ(r1.headers["content-type"], "application/x-protobuf");
  std::string json;
  weir::otlp::AppendRequestJson(b, &json);
  auto r2 = testing::HttpPost(receiver_->http_address(), "/v1/traces",
                              "application/json; charset=utf-8", json);
  ASSERT_EQ(r2.status, 200) << r2.body;
  EXPECT_EQ(r2.headers["content-type"], "application/json");
  EXPECT_EQ(r2.body, "{}");
  weir::otlp::ExportRequest both = a;
  both.MergeFrom(b);
  EXPECT_TRUE(MessageDifferencer::Equals(sink_.Merged().ToRequest(), both));
  EXPECT_THAT(
      Metrics(),
      HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"http\"} 10"));
}

TEST_F(ReceiverTest, HttpGzipBody) {
  StartWith(sink_);
  weir::otlp::ExportRequest a = testing::MakeRequest(1, 1, 4);
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                             net::Gzip(a.SerializeAsString()), {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(MessageDifferencer::Equals(sink_.Merged().ToRequest(), a));
}

TEST_F(ReceiverTest, HttpErrorsAndTheNextRequestStillWorks) {
  StartWith(sink_,
            "protocols:\n  http:\n    endpoint: 127.0.0.1:0\n    max_request_body_size: 4096\n");
  std::string addr = receiver_->http_address();
  std::string good = testing::MakeRequest(1, 1, 1).SerializeAsString();

  auto bad_proto =
      testing::HttpPost(addr, "/v1/traces", "application/x-protobuf", "\x0a\xff garbage");
  EXPECT_EQ(bad_proto.status, 400);
  auto bad_json =
      testing::HttpPost(addr, "/v1/traces", "application/json", "{\"resourceSpans\": [");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_THAT(bad_json.body, HasSubstr("\"code\":3"));
  auto wrong_type = testing::HttpPost(addr, "/v1/traces", "text/plain", good);
  EXPECT_EQ(wrong_type.status, 415);
  auto too_big =
      testing::HttpPost(addr, "/v1/traces", "application/x-protobuf", std::string(5000, 'x'));
  EXPECT_EQ(too_big.status, 413);
  auto bomb =
      testing::HttpPost(addr, "/v1/traces", "application/x-protobuf",
                        net::Gzip(std::string(100000, '\0')), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(bomb.status, 413);
  auto bad_gzip = testing::HttpPost(addr, "/v1/traces", "application/x-protobuf", "not gzip",
                                    {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(bad_gzip.status, 400);
  auto unknown_encoding = testing::HttpPost(addr, "/v1/traces", "application/x-protobuf", good,
                                            {{"Content-Encoding", "br"}});
  EXPECT_EQ(unknown_encoding.status, 400);
  EXPECT_EQ(testing::HttpPost(addr, "/v1/metrics", "application/x-protobuf", good).status, 404);
  auto get = testing::HttpGet(addr, "/v1/traces");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers["allow"], "POST");
  testing::SendRawAndClose(addr,
                           "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: "
                           "application/x-protobuf\r\nContent-Length: 1000\r\n\r\npartial");
  testing::SendRawAndClose(addr, "BROKEN\r\n\r\n");

  auto ok = testing::HttpPost(addr, "/v1/traces", "application/x-protobuf", good);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(sink_.span_count(), 1u);
}

TEST_F(ReceiverTest, HttpRefusalsAskClientsToRetry) {
  testing::FailingConsumer unavailable(absl::UnavailableError("shutting down"));
  StartWith(unavailable);
  std::string good = testing::MakeRequest(1, 1, 1).SerializeAsString();
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", good);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
}

// A permanent failure downstream is answered with a code OTLP clients do not retry, so the
// same spans are not sent again and again.
TEST_F(ReceiverTest, PermanentPipelineFailuresAreNotRetryable) {
  testing::FailingConsumer broken(absl::InternalError("exporter misconfigured"));
  StartWith(broken);
  weir::otlp::ExportResponse response;
  grpc::Status g =
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 2), &response);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_TRUE(g.error_details().empty());  // no RetryInfo
  std::string good = testing::MakeRequest(1, 1, 1).SerializeAsString();
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", good);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.headers.count("retry-after"), 0u);
  EXPECT_THAT(Metrics(),
              HasSubstr("otelcol_receiver_refused_spans{receiver=\"otlp\",transport=\"grpc\"} 2"));
}

TEST_F(ReceiverTest, HttpTooManyRequestsWhenExhausted) {
  testing::FailingConsumer full(absl::ResourceExhaustedError("queue full"));
  StartWith(full);
  std::string good = testing::MakeRequest(1, 1, 1).SerializeAsString();
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/json", "{}");
  EXPECT_EQ(r.status, 200);  // nothing to deliver
  r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", good);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "1");
}

TEST_F(ReceiverTest, HttpPartialSuccessInJson) {
  StartWith(sink_);
  weir::otlp::ExportRequest request = testing::MakeRequest(1, 1, 3);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->clear_span_id();
  std::string json;
  weir::otlp::AppendRequestJson(request, &json);
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/json", json);
  ASSERT_EQ(r.status, 200);
  weir::otlp::ExportResponse response;
  ASSERT_TRUE(weir::otlp::ParseResponseJson(r.body, &response).ok()) << r.body;
  EXPECT_EQ(response.partial_success().rejected_spans(), 1);
  EXPECT_EQ(sink_.span_count(), 2u);
}

class TlsReceiverTest : public ReceiverTest {
 protected:
  std::string TlsYaml(const std::string& extra = "") {
    const auto& cert = testing::SelfSignedCertificate();
    std::string tls =
        "{cert_file: " + cert.cert_file + ", key_file: " + cert.key_file + extra + "}";
    return "protocols:\n  grpc:\n    endpoint: 127.0.0.1:0\n    tls: " + tls +
           "\n  http:\n    endpoint: 127.0.0.1:0\n    tls: " + tls + "\n";
  }
};

TEST_F(TlsReceiverTest, GrpcAndHttpOverTls) {
  StartWith(sink_, TlsYaml());
  const auto& cert = testing::SelfSignedCertificate();
  weir::otlp::ExportResponse response;
  grpc::Status s = testing::GrpcExportTls(receiver_->grpc_address(), testing::MakeRequest(1, 1, 3),
                                          &response, cert.cert_pem);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto r = testing::HttpsPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                              testing::MakeRequest(1, 1, 2).SerializeAsString(), cert.cert_pem);
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(sink_.span_count(), 5u);
  // A plaintext client gets nothing through.
  auto plain = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                                 testing::MakeRequest(1, 1, 1).SerializeAsString());
  EXPECT_NE(plain.status, 200);
  EXPECT_EQ(sink_.span_count(), 5u);
}

TEST_F(TlsReceiverTest, ClientCertificateRequiredWithClientCa) {
  const auto& cert = testing::SelfSignedCertificate();
  StartWith(sink_, TlsYaml(", client_ca_file: " + cert.cert_file));
  auto without =
      testing::HttpsPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                         testing::MakeRequest(1, 1, 1).SerializeAsString(), cert.cert_pem);
  EXPECT_NE(without.status, 200);
  auto with = testing::HttpsPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                                 testing::MakeRequest(1, 1, 2).SerializeAsString(), cert.cert_pem,
                                 cert.cert_pem, cert.key_pem);
  EXPECT_EQ(with.status, 200) << with.error;
  weir::otlp::ExportResponse response;
  EXPECT_FALSE(testing::GrpcExportTls(receiver_->grpc_address(), testing::MakeRequest(1, 1, 1),
                                      &response, cert.cert_pem)
                   .ok());
  EXPECT_TRUE(testing::GrpcExportTls(receiver_->grpc_address(), testing::MakeRequest(1, 1, 4),
                                     &response, cert.cert_pem, cert.cert_pem, cert.key_pem)
                  .ok());
  EXPECT_EQ(sink_.span_count(), 6u);
}

}  // namespace
}  // namespace weir::receivers::otlp
