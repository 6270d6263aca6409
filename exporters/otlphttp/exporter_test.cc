// Tests of the `otlphttp` exporter: config decoding and validation, the conformance suite, and
// delivery to a fake OTLP/HTTP backend (encodings, compression, headers, the queue, kept-alive
// connections, TLS). Refusals, error answers and failures are in exporter_failures_test.cc.
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "config/diagnostics.h"
#include "config/node.h"
#include "exporters/otlphttp/config.h"
#include "exporters/otlphttp/exporter_test_fixture.h"
#include "exporters/otlphttp/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/json.h"
#include "pipeline/trace_batch.h"
#include "tests/testing/conformance.h"
#include "tests/testing/fake_authenticator.h"
#include "tests/testing/fake_otlp_http_server.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/test_certificate.h"
#include "yaml-cpp/yaml.h"

namespace weir::exporters::otlphttp {
namespace {

using ::testing::HasSubstr;
using weir::testing::FakeServerTls;
using weir::testing::MakeBatch;

constexpr char kPath[] = "exporters.otlphttp";

std::unique_ptr<Config> Decode(const std::string& yaml, config::Diagnostics* diagnostics) {
  return DecodeConfig(config::Node(YAML::Load(yaml), kPath, diagnostics));
}

// Decodes `yaml` and expects a problem reported at `key` (relative to the exporter) whose
// message contains `fragment`.
void ExpectProblem(const std::string& yaml, const std::string& key, const std::string& fragment) {
  config::Diagnostics diagnostics;
  Decode(yaml, &diagnostics);
  std::string all = diagnostics.ToString();
  EXPECT_THAT(all, HasSubstr(absl::StrCat(kPath, ".", key, ": "))) << yaml;
  EXPECT_THAT(all, HasSubstr(fragment)) << yaml;
}

// ---- Config ----

TEST(OtlpHttpExporterConfig, DefaultsWithOnlyAnEndpoint) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: http://collector:4318", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->endpoint, "http://collector:4318");
  EXPECT_EQ(cfg->traces_endpoint, "");
  EXPECT_EQ(cfg->traces_url.text, "http://collector:4318/v1/traces");
  EXPECT_FALSE(cfg->traces_url.https);
  EXPECT_EQ(cfg->traces_url.host, "collector");
  EXPECT_EQ(cfg->traces_url.port, 4318);
  EXPECT_EQ(cfg->traces_url.target, "/v1/traces");
  EXPECT_TRUE(cfg->headers.entries.empty());
  EXPECT_EQ(cfg->compression.algorithm, Compression::kGzip);
  EXPECT_EQ(cfg->encoding, Encoding::kProto);
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(30));
  EXPECT_TRUE(cfg->exporter.queue.enabled);
  EXPECT_EQ(cfg->exporter.queue.num_consumers, 10);
  EXPECT_EQ(cfg->exporter.queue.sizer, config::QueueSizer::kBytes);
  EXPECT_EQ(cfg->exporter.queue.Capacity(size_t{1} << 30), 32 << 20);
  EXPECT_TRUE(cfg->exporter.retry.enabled);
  EXPECT_EQ(cfg->exporter.retry.initial_interval, absl::Seconds(5));
  EXPECT_EQ(cfg->exporter.retry.randomization_factor, 0.5);
  EXPECT_EQ(cfg->exporter.retry.multiplier, 1.5);
  EXPECT_EQ(cfg->exporter.retry.max_interval, absl::Seconds(30));
  EXPECT_EQ(cfg->exporter.retry.max_elapsed_time, absl::Seconds(300));
}

TEST(OtlpHttpExporterConfig, TestdataDecodesToExactValues) {
  config::Diagnostics diagnostics;
  auto cfg = DecodeConfig(
      config::Node(YAML::LoadFile(WEIR_SOURCE_DIR "/exporters/otlphttp/testdata/config.yaml"),
                   kPath, &diagnostics));
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->endpoint, "https://collector.example.com:4318/otlp/");
  EXPECT_EQ(cfg->traces_endpoint, "https://traces.example.com/custom/v1/traces?tenant=acme");
  EXPECT_TRUE(cfg->traces_url.https);
  EXPECT_EQ(cfg->traces_url.host, "traces.example.com");
  EXPECT_EQ(cfg->traces_url.port, 443);
  EXPECT_EQ(cfg->traces_url.target, "/custom/v1/traces?tenant=acme");
  EXPECT_TRUE(cfg->tls.insecure_skip_verify);
  EXPECT_EQ(cfg->tls.server_name_override, "traces.internal");
  EXPECT_EQ(cfg->headers.entries, (std::map<std::string, std::string>{
                                      {"X-Tenant", "acme"}, {"Authorization", "Bearer s3cret"}}));
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
  EXPECT_EQ(cfg->encoding, Encoding::kJson);
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(12));
  EXPECT_FALSE(cfg->exporter.queue.enabled);
  EXPECT_EQ(cfg->exporter.queue.num_consumers, 2);
  EXPECT_EQ(cfg->exporter.queue.queue_size, 50);
  EXPECT_TRUE(cfg->exporter.retry.enabled);
  EXPECT_EQ(cfg->exporter.retry.initial_interval, absl::Seconds(1));
  EXPECT_EQ(cfg->exporter.retry.randomization_factor, 0);
  EXPECT_EQ(cfg->exporter.retry.multiplier, 3);
  EXPECT_EQ(cfg->exporter.retry.max_interval, absl::Seconds(20));
  EXPECT_EQ(cfg->exporter.retry.max_elapsed_time, absl::Minutes(2));
}

TEST(OtlpHttpExporterConfig, ComposesTheTracesUrl) {
  struct Case {
    std::string yaml;
    bool https;
    std::string host;
    int port;
    std::string target;
  } cases[] = {
      {"endpoint: http://c:4318", false, "c", 4318, "/v1/traces"},
      {"endpoint: http://c:4318/", false, "c", 4318, "/v1/traces"},
      {"endpoint: http://c:4318/otlp", false, "c", 4318, "/otlp/v1/traces"},
      {"endpoint: http://c:4318/otlp/", false, "c", 4318, "/otlp/v1/traces"},
      {"endpoint: https://c", true, "c", 443, "/v1/traces"},
      {"endpoint: http://c", false, "c", 80, "/v1/traces"},
      {"endpoint: http://[::1]:4318", false, "::1", 4318, "/v1/traces"},
      {"traces_endpoint: http://t:9/custom?x=1", false, "t", 9, "/custom?x=1"},
      {"traces_endpoint: http://t:9", false, "t", 9, "/"},
      {"endpoint: http://c:4318\ntraces_endpoint: https://t/x", true, "t", 443, "/x"},
  };
  for (const Case& c : cases) {
    config::Diagnostics diagnostics;
    auto cfg = Decode(c.yaml, &diagnostics);
    ASSERT_TRUE(diagnostics.ok()) << c.yaml << "\n" << diagnostics.ToString();
    EXPECT_EQ(cfg->traces_url.https, c.https) << c.yaml;
    EXPECT_EQ(cfg->traces_url.host, c.host) << c.yaml;
    EXPECT_EQ(cfg->traces_url.port, c.port) << c.yaml;
    EXPECT_EQ(cfg->traces_url.target, c.target) << c.yaml;
  }
}

TEST(OtlpHttpExporterConfig, EncodingAndCompressionChoices) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: http://c:1\nencoding: json\ncompression: none", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->encoding, Encoding::kJson);
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
  cfg = Decode("endpoint: http://c:1\nencoding: proto\ncompression: \"\"", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->encoding, Encoding::kProto);
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
}

TEST(OtlpHttpExporterConfig, RequiresEndpointOrTracesEndpoint) {
  ExpectProblem("timeout: 1s", "endpoint", "required");
  ExpectProblem("endpoint: \"\"\ntraces_endpoint: \"\"", "endpoint", "required");
}

TEST(OtlpHttpExporterConfig, RejectsBadUrls) {
  ExpectProblem("endpoint: collector:4318", "endpoint", "http:// or https://");
  ExpectProblem("endpoint: ftp://collector", "endpoint", "http:// or https://");
  ExpectProblem("endpoint: http://collector:99999", "endpoint", "port");
  ExpectProblem("endpoint: http://collector:0", "endpoint", "port");
  ExpectProblem("endpoint: http://:4318", "endpoint", "missing host");
  ExpectProblem("endpoint: http://user:pw@collector", "endpoint", "credentials");
  ExpectProblem("endpoint: http://[::1", "endpoint", "IPv6");
  ExpectProblem("endpoint: http://c/a b", "endpoint", "space");
  ExpectProblem("traces_endpoint: c:4318/v1/traces", "traces_endpoint", "http:// or https://");
}

TEST(OtlpHttpExporterConfig, RejectsUnknownChoicesListingThem) {
  ExpectProblem("endpoint: http://c:1\ncompression: zstd", "compression", "supported: gzip, none");
  ExpectProblem("endpoint: http://c:1\nencoding: xml", "encoding", "supported: proto, json");
}

TEST(OtlpHttpExporterConfig, RejectsBadHeaders) {
  ExpectProblem("endpoint: http://c:1\nheaders: {\"bad name\": x}", "headers.bad name",
                "invalid HTTP header name");
  ExpectProblem("endpoint: http://c:1\nheaders: {Content-Type: text/plain}", "headers.Content-Type",
                "set by the exporter");
  ExpectProblem("endpoint: http://c:1\nheaders: {X-A: \"a\\r\\nX-B: b\"}", "headers.X-A", "CR, LF");
}

TEST(OtlpHttpExporterConfig, ValidatesTlsBlock) {
  ExpectProblem("endpoint: https://c\ntls: {ca_file: /nonexistent/ca.pem}", "tls.ca_file",
                "cannot read");
  ExpectProblem("endpoint: https://c\ntls: {verify: true}", "tls.verify", "unknown");
}

TEST(OtlpHttpExporterConfig, ValidatesHelperKeys) {
  ExpectProblem("endpoint: http://c:1\ntimeout: 0s", "timeout", "greater than 0");
  ExpectProblem("endpoint: http://c:1\nsending_queue: {queue_size: -3}", "sending_queue.queue_size",
                "at least 1");
}

TEST(OtlpHttpExporterConfig, ValidatesRetryOnFailure) {
  ExpectProblem("endpoint: http://c:1\nretry_on_failure: {randomization_factor: -0.1}",
                "retry_on_failure.randomization_factor", "[0, 1]");
  ExpectProblem("endpoint: http://c:1\nretry_on_failure: {multiplier: nan}",
                "retry_on_failure.multiplier", "non-negative");
  ExpectProblem(
      "endpoint: http://c:1\nretry_on_failure: {initial_interval: 1m, max_elapsed_time: 30s}",
      "retry_on_failure.max_elapsed_time", "initial_interval");
  ExpectProblem("endpoint: http://c:1\nretry_on_failure: {max_interval: 3s2}",
                "retry_on_failure.max_interval", "duration");
}

TEST(OtlpHttpExporterConfig, AcceptsOtelcolKeysItIgnores) {
  config::Diagnostics diagnostics;
  Decode(
      "endpoint: http://c:1\nread_buffer_size: 1\nwrite_buffer_size: 1\nmax_idle_conns: 5\n"
      "idle_conn_timeout: 10s\nauth: {authenticator: basicauth}",
      &diagnostics);
  EXPECT_TRUE(diagnostics.ok()) << diagnostics.ToString();
}

TEST(OtlpHttpExporterConfig, RejectsUnknownKeysWithTheirPath) {
  ExpectProblem("endpoint: http://c:1\nlogs_endpoint: http://c:1/v1/logs", "logs_endpoint",
                "unknown");
}

TEST(OtlpHttpExporterFactory, NamesAndAlias) {
  Factory factory;
  EXPECT_EQ(factory.type(), "otlphttp");
  EXPECT_THAT(factory.aliases(), ::testing::ElementsAre("otlp_http"));
}

// ---- Conformance ----

TEST(OtlpHttpExporter, Conformance) {
  testing::RunExporterConformance(
      Factory(), "endpoint: http://127.0.0.1:1\nretry_on_failure: {enabled: false}");
}

// ---- Delivery ----

class OtlpHttpExporterDelivery
    : public OtlpHttpExporterTest,
      public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {};

TEST_P(OtlpHttpExporterDelivery, DeliversEverySpan) {
  auto [encoding, compression] = GetParam();
  FakeServer server;
  StartExporter(server.url(),
                absl::StrCat("encoding: ", encoding, "\ncompression: ", compression, "\n"));
  ExpectDelivered(server, encoding == "json" ? "application/json" : "application/x-protobuf",
                  compression == "gzip");
}

INSTANTIATE_TEST_SUITE_P(EncodingsAndCompressions, OtlpHttpExporterDelivery,
                         ::testing::Combine(::testing::Values("proto", "json"),
                                            ::testing::Values("gzip", "none")));

TEST_F(OtlpHttpExporterTest, DeliversToAHostName) {
  FakeServer server;
  StartExporter(absl::StrCat("http://localhost:", server.port()));
  ExpectDelivered(server, "application/x-protobuf", /*gzip=*/true);
  if (HasFatalFailure()) return;
  EXPECT_EQ(server.requests()[0].Header("host"), absl::StrCat("localhost:", server.port()));
}

TEST_F(OtlpHttpExporterTest, DeliversThroughTheQueue) {
  FakeServer server;
  auto cfg = testing::DecodeOrFail(factory_, absl::StrCat("endpoint: ", server.url(), "\n"));
  auto created = factory_.CreateTraces(env_.SettingsFor("otlphttp"), *cfg);
  ASSERT_TRUE(created.ok());
  exporter_ = std::move(*created);
  ASSERT_TRUE(exporter_->Start(host_).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(2, i + 1)).ok());
  exporter_->Shutdown(absl::Now() + absl::Seconds(10));
  EXPECT_EQ(server.span_count(), 60u);
  EXPECT_EQ(server.requests().size(), 30u);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 60);
}

TEST_F(OtlpHttpExporterTest, PostsTheBatchWithItsHeadersOnOneKeptAliveConnection) {
  FakeServer server;
  StartExporter(server.url(), absl::StrCat("traces_endpoint: ", server.url(),
                                           "/custom/path?tenant=a\n"
                                           "headers: {X-Tenant: acme, User-Agent: custom/1}\n"));
  std::vector<std::string> sent;
  for (int i = 1; i <= 3; ++i) {
    pipeline::TraceBatch batch = MakeBatch(i, i);
    sent.push_back(batch.ToProtoBytes());
    absl::Status s = exporter_->ConsumeTraces(std::move(batch));
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(server.connections(), 1);
  std::vector<FakeServer::Request> received = server.requests();
  ASSERT_EQ(received.size(), 3u);
  for (size_t i = 0; i < received.size(); ++i) {
    const FakeServer::Request& r = received[i];
    EXPECT_EQ(r.target, "/custom/path?tenant=a");
    EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
    EXPECT_EQ(r.content_encoding, "gzip");
    EXPECT_EQ(r.Header("x-tenant"), "acme");
    EXPECT_EQ(r.Header("user-agent"), "custom/1");
    EXPECT_TRUE(r.decode_error.empty()) << r.decode_error;
    EXPECT_NE(r.body, r.decoded_body);  // compressed on the wire
    EXPECT_EQ(r.decoded_body, sent[i]);
  }
}

TEST_F(OtlpHttpExporterTest, SendsJsonUncompressedWithTheDefaultUserAgent) {
  FakeServer server(FakeServer::Reply{.content_type = "application/json", .body = "{}"});
  StartExporter(server.url(), "encoding: json\ncompression: none\n");
  pipeline::TraceBatch batch = MakeBatch(2);
  std::string expected;
  weir::otlp::AppendRequestJson(batch.ToRequest(), &expected);
  ASSERT_TRUE(exporter_->ConsumeTraces(std::move(batch)).ok());
  std::vector<FakeServer::Request> received = server.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].target, "/v1/traces");
  EXPECT_EQ(received[0].Header("content-type"), "application/json");
  EXPECT_EQ(received[0].Header("content-encoding"), "<absent>");
  EXPECT_EQ(received[0].Header("user-agent"), "weir");
  EXPECT_EQ(received[0].body, expected);
  EXPECT_EQ(received[0].span_count, 2u);
}

TEST_F(OtlpHttpExporterTest, ReconnectsWhenTheServerDroppedTheIdleConnection) {
  FakeServer server(FakeServer::Reply{.close_after = true});
  StartExporter(server.url());
  for (int i = 0; i < 3; ++i) {
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(OtlpHttpExporterTest, SlowAnswerWithinTheTimeoutIsOk) {
  FakeServer server(FakeServer::Reply{.delay = absl::Milliseconds(200)});
  StartExporter(server.url(), "timeout: 10s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(3));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(server.span_count(), 3u);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 3);
}

// ---- TLS ----

std::string TlsYaml(const std::string& keys) {
  return absl::StrCat("tls: {", keys, "}\ntimeout: 3s\n");
}

TEST_F(OtlpHttpExporterTest, TlsTrustingTheServersCaDeliversWithSni) {
  FakeServer server(FakeServerTls::kServer);
  StartExporter(absl::StrCat("https://localhost:", server.port()),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file)));
  for (int i = 0; i < 2; ++i) {
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(server.connections(), 1);
  std::vector<FakeServer::Request> received = server.requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].sni, "localhost");
  EXPECT_EQ(received[0].Header("host"), absl::StrCat("localhost:", server.port()));
  EXPECT_EQ(server.span_count(), 4u);
}

TEST_F(OtlpHttpExporterTest, TlsToAnAddressSendsNoSni) {
  FakeServer server(FakeServerTls::kServer);
  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file)));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].sni, "");
}

TEST_F(OtlpHttpExporterTest, TlsSkipVerifyAcceptsAnUntrustedServer) {
  FakeServer server(FakeServerTls::kServer);
  StartExporter(absl::StrCat("https://localhost:", server.port()),
                TlsYaml("insecure_skip_verify: true"));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(server.span_count(), 2u);
}

TEST_F(OtlpHttpExporterTest, TlsServerNameOverrideIsSentAndVerified) {
  FakeServer server(FakeServerTls::kServer);
  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", server_name_override: localhost")));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].sni, "localhost");
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));

  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", server_name_override: elsewhere.example")));
  s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(OtlpHttpExporterTest, MutualTlsPresentsTheClientCertificate) {
  FakeServer server(FakeServerTls::kMutual);
  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", cert_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", key_file: ", testing::SelfSignedCertificate().key_file)));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));

  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file)));
  s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(server.requests().size(), 1u);
}

}  // namespace
}  // namespace weir::exporters::otlphttp

namespace weir::exporters::otlphttp {
namespace {

TEST_F(OtlpHttpExporterTest, AuthenticatorHeaderGoesWithEveryRequest) {
  testing::FakeClientAuthenticator auth("Authorization", "Basic d2Vpcjpz");
  host_.extensions["basicauth/client"] = &auth;
  FakeServer server;
  StartExporter(server.url(),
                "headers: {Authorization: configured, X-Tenant: acme}\n"
                "auth: {authenticator: basicauth/client}\n");
  ASSERT_TRUE(exporter_->ConsumeTraces(testing::MakeBatch(2, 1)).ok());
  auth.Set("Basic cm90YXRlZA==");
  ASSERT_TRUE(exporter_->ConsumeTraces(testing::MakeBatch(1, 1)).ok());
  std::vector<FakeServer::Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("authorization"), "Basic d2Vpcjpz");
  EXPECT_EQ(requests[1].Header("authorization"), "Basic cm90YXRlZA==");
  EXPECT_EQ(requests[1].Header("x-tenant"), "acme");
}

TEST_F(OtlpHttpExporterTest, StartFailsWithoutTheAuthenticator) {
  auto cfg = testing::DecodeOrFail(
      factory_, "endpoint: http://127.0.0.1:4318\nauth: {authenticator: basicauth/client}\n");
  auto created = factory_.CreateTraces(env_.SettingsFor("otlphttp"), *cfg);
  ASSERT_TRUE(created.ok());
  absl::Status s = (*created)->Start(host_);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), ::testing::HasSubstr("auth.authenticator"));
  (*created)->Shutdown(absl::Now());
  ASSERT_EQ(factory_.AuthReferences(*cfg).size(), 1u);
}

}  // namespace
}  // namespace weir::exporters::otlphttp
