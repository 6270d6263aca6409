// Tests of the `otlp` exporter: config decoding and validation, the conformance suite, and
// exports to a fake OTLP/gRPC backend (delivery, compression, headers, queue, partial success,
// refusals, TLS).
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "config/diagnostics.h"
#include "config/node.h"
#include "exporters/helper/sender.h"
#include "exporters/otlp/config.h"
#include "exporters/otlp/factory.h"
#include "exporters/otlp/sender.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "pipeline/consumer.h"
#include "pipeline/otlp/types.h"
#include "tests/testing/conformance.h"
#include "tests/testing/fake_authenticator.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/test_certificate.h"
#include "yaml-cpp/yaml.h"

namespace weir::exporters::otlp {
namespace {

using ::testing::HasSubstr;
using weir::testing::FakeOtlpGrpcServer;
using weir::testing::MakeBatch;
using weir::testing::MakeRequest;
using weir::testing::RecordingHost;
using weir::testing::TestEnvironment;

constexpr char kPath[] = "exporters.otlp";

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

TEST(OtlpExporterConfig, DefaultsWithOnlyAnEndpoint) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: collector:4317", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->endpoint, "collector:4317");
  EXPECT_EQ(cfg->target, "collector:4317");
  EXPECT_TRUE(cfg->use_tls);
  EXPECT_FALSE(cfg->tls.insecure);
  EXPECT_TRUE(cfg->headers.entries.empty());
  EXPECT_EQ(cfg->compression.algorithm, Compression::kGzip);
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(5));
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

TEST(OtlpExporterConfig, TestdataDecodesToExactValues) {
  config::Diagnostics diagnostics;
  auto cfg = DecodeConfig(config::Node(
      YAML::LoadFile(WEIR_SOURCE_DIR "/exporters/otlp/testdata/config.yaml"), kPath, &diagnostics));
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->endpoint, "https://collector.example.com:4317");
  EXPECT_EQ(cfg->target, "collector.example.com:4317");
  EXPECT_TRUE(cfg->use_tls);
  EXPECT_TRUE(cfg->tls.insecure_skip_verify);
  EXPECT_EQ(cfg->tls.server_name_override, "gateway.internal");
  EXPECT_EQ(cfg->headers.entries, (std::map<std::string, std::string>{
                                      {"x-tenant", "acme"}, {"authorization", "Bearer s3cret"}}));
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(12));
  EXPECT_TRUE(cfg->exporter.queue.enabled);
  EXPECT_EQ(cfg->exporter.queue.num_consumers, 4);
  EXPECT_EQ(cfg->exporter.queue.queue_size, 500);
  EXPECT_FALSE(cfg->exporter.retry.enabled);
  EXPECT_EQ(cfg->exporter.retry.initial_interval, absl::Seconds(1));
  EXPECT_EQ(cfg->exporter.retry.randomization_factor, 0.25);
  EXPECT_EQ(cfg->exporter.retry.multiplier, 2);
  EXPECT_EQ(cfg->exporter.retry.max_interval, absl::Seconds(10));
  EXPECT_EQ(cfg->exporter.retry.max_elapsed_time, absl::Minutes(1));
}

TEST(OtlpExporterConfig, EndpointSchemeDecidesTls) {
  struct Case {
    std::string yaml;
    std::string target;
    bool use_tls;
  } cases[] = {
      {"endpoint: http://collector:4317", "collector:4317", false},
      {"endpoint: http://collector:4317\ntls: {insecure: false}", "collector:4317", false},
      {"endpoint: https://collector:4317\ntls: {insecure: true}", "collector:4317", true},
      {"endpoint: collector:4317\ntls: {insecure: true}", "collector:4317", false},
      {"endpoint: dns:///collector:4317", "dns:///collector:4317", true},
      {"endpoint: dns://8.8.8.8/collector:4317", "dns://8.8.8.8/collector:4317", true},
      {"endpoint: '[::1]:4317'", "[::1]:4317", true},
  };
  for (const Case& c : cases) {
    config::Diagnostics diagnostics;
    auto cfg = Decode(c.yaml, &diagnostics);
    ASSERT_TRUE(diagnostics.ok()) << c.yaml << "\n" << diagnostics.ToString();
    EXPECT_EQ(cfg->target, c.target) << c.yaml;
    EXPECT_EQ(cfg->use_tls, c.use_tls) << c.yaml;
  }
}

TEST(OtlpExporterConfig, CompressionChoices) {
  for (const auto& [value, expected] :
       {std::pair<std::string, Compression>{"gzip", Compression::kGzip},
        {"none", Compression::kNone},
        {"\"\"", Compression::kNone}}) {
    config::Diagnostics diagnostics;
    auto cfg = Decode(absl::StrCat("endpoint: c:4317\ncompression: ", value), &diagnostics);
    ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
    EXPECT_EQ(cfg->compression.algorithm, expected) << value;
  }
}

TEST(OtlpExporterConfig, RequiresEndpoint) {
  ExpectProblem("timeout: 1s", "endpoint", "required");
  ExpectProblem("endpoint: \"\"", "endpoint", "required");
}

TEST(OtlpExporterConfig, RejectsBadEndpoints) {
  ExpectProblem("endpoint: collector", "endpoint", "host:port");
  ExpectProblem("endpoint: collector:http", "endpoint", "port");
  ExpectProblem("endpoint: collector:0", "endpoint", "port");
  ExpectProblem("endpoint: :4317", "endpoint", "missing host");
  ExpectProblem("endpoint: https://collector:4317/v1", "endpoint", "port");
  ExpectProblem("endpoint: dns:collector:4317", "endpoint", "dns:///host:port");
}

TEST(OtlpExporterConfig, RejectsUnknownCompressionListingTheChoices) {
  ExpectProblem("endpoint: c:4317\ncompression: zstd", "compression", "supported: gzip, none");
}

TEST(OtlpExporterConfig, RejectsBadHeaders) {
  ExpectProblem("endpoint: c:4317\nheaders: {\"bad key\": x}", "headers.bad key",
                "invalid gRPC metadata key");
  ExpectProblem("endpoint: c:4317\nheaders: {grpc-timeout: 1S}", "headers.grpc-timeout",
                "reserved");
  ExpectProblem("endpoint: c:4317\nheaders: {x-a: \"caf\\xe9\"}", "headers.x-a", "printable");
  ExpectProblem("endpoint: c:4317\nheaders: {X-A: 1, x-a: 2}", "headers.x-a", "duplicate");
  ExpectProblem("endpoint: c:4317\nheaders: [a, b]", "headers", "expected a mapping");
}

TEST(OtlpExporterConfig, ValidatesTlsBlock) {
  ExpectProblem("endpoint: c:4317\ntls: {ca_file: /nonexistent/ca.pem}", "tls.ca_file",
                "cannot read");
  ExpectProblem(absl::StrCat("endpoint: c:4317\ntls: {cert_file: ", WEIR_SOURCE_DIR,
                             "/exporters/otlp/testdata/config.yaml}"),
                "tls.key_file", "set together");
  ExpectProblem("endpoint: c:4317\ntls: {min_versionx: \"1.2\"}", "tls.min_versionx", "unknown");
}

TEST(OtlpExporterConfig, ValidatesHelperKeys) {
  ExpectProblem("endpoint: c:4317\ntimeout: 0s", "timeout", "greater than 0");
  ExpectProblem("endpoint: c:4317\ntimeout: soon", "timeout", "duration");
  ExpectProblem("endpoint: c:4317\nsending_queue: {queue_size: 0}", "sending_queue.queue_size",
                "at least 1");
  ExpectProblem("endpoint: c:4317\nsending_queue: {num_consumers: 0}",
                "sending_queue.num_consumers", "at least 1");
}

TEST(OtlpExporterConfig, ValidatesRetryOnFailure) {
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {randomization_factor: 1.5}",
                "retry_on_failure.randomization_factor", "[0, 1]");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {multiplier: -1}",
                "retry_on_failure.multiplier", "non-negative");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {multiplier: 0.9}",
                "retry_on_failure.multiplier", "at least 1");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {initial_interval: 0s}",
                "retry_on_failure.initial_interval", "greater than 0");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {initial_interval: 10s, max_elapsed_time: 5s}",
                "retry_on_failure.max_elapsed_time", "initial_interval");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {max_interval: 1m, max_elapsed_time: 30s}",
                "retry_on_failure.max_elapsed_time", "max_interval");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {enabled: maybe}", "retry_on_failure.enabled",
                "true or false");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {max_elapsed_time: -1s}",
                "retry_on_failure.max_elapsed_time", "duration");
  ExpectProblem("endpoint: c:4317\nretry_on_failure: {jitter: 1}", "retry_on_failure.jitter",
                "unknown");
}

TEST(OtlpExporterConfig, AcceptsOtelcolKeysItIgnores) {
  config::Diagnostics diagnostics;
  Decode(
      "endpoint: c:4317\nbalancer_name: round_robin\nkeepalive: {time: 10s}\n"
      "write_buffer_size: 1024\nread_buffer_size: 1024\nauth: {authenticator: basicauth}",
      &diagnostics);
  EXPECT_TRUE(diagnostics.ok()) << diagnostics.ToString();
}

TEST(OtlpExporterConfig, RejectsUnknownKeysWithTheirPath) {
  ExpectProblem("endpoint: c:4317\ncolour: blue", "colour", "unknown");
}

TEST(OtlpExporterConfig, ReportsEveryProblemAtOnce) {
  config::Diagnostics diagnostics;
  Decode("compression: lz4\ntimeout: 0s\nretry_on_failure: {multiplier: -2}", &diagnostics);
  EXPECT_EQ(diagnostics.problems().size(), 4u) << diagnostics.ToString();
}

TEST(OtlpExporterFactory, NamesAndAlias) {
  Factory factory;
  EXPECT_EQ(factory.type(), "otlp");
  EXPECT_THAT(factory.aliases(), ::testing::ElementsAre("otlp_grpc"));
}

// ---- Conformance ----

TEST(OtlpExporter, Conformance) {
  testing::RunExporterConformance(
      Factory(),
      "endpoint: 127.0.0.1:1\ntls: {insecure: true}\nretry_on_failure: {enabled: false}");
}

// ---- Against a fake OTLP/gRPC backend ----

class OtlpExporterTest : public ::testing::Test {
 protected:
  // Creates and starts an `otlp` exporter; `yaml` is appended to a config that sends
  // synchronously (no queue) so each ConsumeTraces returns the send's result.
  void StartExporter(const std::string& endpoint, const std::string& yaml = "") {
    auto cfg = testing::DecodeOrFail(
        factory_,
        absl::StrCat("endpoint: ", endpoint,
                     "\nsending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n",
                     yaml));
    ASSERT_NE(cfg, nullptr);
    auto created = factory_.CreateTraces(env_.SettingsFor("otlp"), *cfg);
    ASSERT_TRUE(created.ok()) << created.status();
    exporter_ = std::move(*created);
    ASSERT_TRUE(exporter_->Start(host_).ok());
  }

  double Metric(const std::string& name) { return env_.ExporterMetric(name, "otlp"); }

  // Exports three batches of different shapes and checks that `server` got exactly those
  // spans, one Export call per batch, each message in `encoding` ("gzip" or "identity").
  void ExpectDelivered(const FakeOtlpGrpcServer& server, const std::string& encoding) {
    std::vector<pipeline::TraceBatch> batches;
    batches.push_back(MakeBatch(5, 1));
    batches.push_back(pipeline::TraceBatch::FromRequest(MakeRequest(2, 2, 3, 2)));
    batches.push_back(MakeBatch(1, 3));
    std::vector<weir::otlp::ExportRequest> expected;
    size_t total = 0;
    for (auto& b : batches) {
      total += b.span_count();
      expected.push_back(b.ToRequest());
      absl::Status s = exporter_->ConsumeTraces(std::move(b));
      ASSERT_TRUE(s.ok()) << s;
    }
    std::vector<FakeOtlpGrpcServer::Call> calls = server.calls();
    ASSERT_EQ(calls.size(), expected.size());
    for (size_t i = 0; i < calls.size(); ++i) {
      EXPECT_EQ(calls[i].method, weir::otlp::kExportMethod);
      EXPECT_EQ(calls[i].encoding, encoding) << "call " << i;
      ASSERT_TRUE(calls[i].decoded.has_value()) << "call " << i;
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(*calls[i].decoded, expected[i]))
          << "call " << i;
    }
    EXPECT_EQ(server.span_count(), total);
    EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), static_cast<double>(total));
    EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  }

  // A reply refusing every call with `code` and `message`, with the RetryInfo an OTLP server
  // sends along with a retryable refusal.
  static FakeOtlpGrpcServer::Reply Refusal(grpc::StatusCode code, const std::string& message) {
    FakeOtlpGrpcServer::Reply reply;
    reply.code = code;
    reply.message = message;
    if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      reply.retry_delay = absl::Seconds(1);
    }
    return reply;
  }

  void TearDown() override {
    if (exporter_) exporter_->Shutdown(absl::Now() + absl::Seconds(5));
  }

  TestEnvironment env_;
  RecordingHost host_;
  Factory factory_;
  std::unique_ptr<pipeline::TracesExporter> exporter_;
};

TEST_F(OtlpExporterTest, DeliversEverySpanWithGzip) {
  FakeOtlpGrpcServer server;
  StartExporter(server.address(), "tls: {insecure: true}\ncompression: gzip\n");
  ExpectDelivered(server, "gzip");
}

TEST_F(OtlpExporterTest, DeliversEverySpanUncompressed) {
  FakeOtlpGrpcServer server;
  StartExporter(server.address(), "tls: {insecure: true}\ncompression: none\n");
  ExpectDelivered(server, "identity");
}

TEST_F(OtlpExporterTest, HttpSchemeMeansPlaintextAndHeadersAreAccepted) {
  FakeOtlpGrpcServer server;
  StartExporter(absl::StrCat("http://", server.address()), "headers: {X-Tenant: acme}\n");
  ExpectDelivered(server, "gzip");
  for (const FakeOtlpGrpcServer::Call& call : server.calls()) {
    EXPECT_EQ(call.Metadata("x-tenant"), "acme");
  }
}

TEST_F(OtlpExporterTest, DeliversThroughTheQueue) {
  FakeOtlpGrpcServer server;
  auto cfg = testing::DecodeOrFail(
      factory_, absl::StrCat("endpoint: ", server.address(), "\ntls: {insecure: true}\n"));
  auto created = factory_.CreateTraces(env_.SettingsFor("otlp"), *cfg);
  ASSERT_TRUE(created.ok());
  exporter_ = std::move(*created);
  ASSERT_TRUE(exporter_->Start(host_).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(3, i + 1)).ok());
  exporter_->Shutdown(absl::Now() + absl::Seconds(10));
  EXPECT_EQ(server.span_count(), 60u);
  EXPECT_EQ(server.calls().size(), 20u);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 60);
  EXPECT_EQ(Metric("otelcol_exporter_queue_capacity"), 32 << 20);  // bytes by default
}

TEST_F(OtlpExporterTest, PartialSuccessStillCountsAsSent) {
  // The destination rejects the span with a malformed trace id and says so in partial_success;
  // the exporter forwards the batch as it is and counts every span as sent.
  weir::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(1);
  response.mutable_partial_success()->set_error_message("invalid trace id");
  FakeOtlpGrpcServer::Reply reply;
  reply.response = response;
  FakeOtlpGrpcServer server(reply);
  StartExporter(server.address(), "tls: {insecure: true}\n");
  weir::otlp::ExportRequest request = MakeRequest(1, 1, 4);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_trace_id("bad");
  absl::Status s = exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request));
  EXPECT_TRUE(s.ok()) << s;
  std::vector<FakeOtlpGrpcServer::Call> calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(calls[0].decoded.has_value());
  EXPECT_EQ(calls[0].span_count, 4u);
  EXPECT_EQ(calls[0].decoded->resource_spans(0).scope_spans(0).spans(1).trace_id(), "bad");
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 4);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
}

TEST_F(OtlpExporterTest, RefusalIsRetryableUnavailableAndCounted) {
  FakeOtlpGrpcServer server(Refusal(grpc::StatusCode::UNAVAILABLE, "pipeline is full"));
  StartExporter(server.address(), "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(7));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(server.address()));
  EXPECT_THAT(s.message(), HasSubstr("pipeline is full"));
  ASSERT_EQ(server.calls().size(), 1u);  // no queue: one attempt, the caller retries
  EXPECT_EQ(server.span_count(), 7u);
  EXPECT_EQ(helper::RetryDelayOf(s), absl::Seconds(1));  // the server's RetryInfo
  // Refused to the caller, which still holds the spans: nothing dropped here.
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 0);
}

TEST_F(OtlpExporterTest, ResourceExhaustedWithRetryInfoIsRetryable) {
  FakeOtlpGrpcServer server(Refusal(grpc::StatusCode::RESOURCE_EXHAUSTED, "memory limit"));
  StartExporter(server.address(), "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("memory limit"));
  EXPECT_EQ(helper::RetryDelayOf(s), absl::Seconds(1));
}

TEST_F(OtlpExporterTest, ResourceExhaustedWithoutRetryInfoIsPermanent) {
  FakeOtlpGrpcServer::Reply reply;
  reply.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  reply.message = "message larger than max";
  FakeOtlpGrpcServer server(reply);
  StartExporter(server.address(), "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_FALSE(pipeline::IsRetryable(s));
  EXPECT_THAT(s.message(), HasSubstr("message larger than max"));
  EXPECT_THAT(s.message(), HasSubstr("RESOURCE_EXHAUSTED without RetryInfo"));
}

TEST_F(OtlpExporterTest, InvalidDataIsPermanent) {
  FakeOtlpGrpcServer server(Refusal(grpc::StatusCode::INVALID_ARGUMENT, "no thanks"));
  StartExporter(server.address(), "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("no thanks"));
  EXPECT_FALSE(pipeline::IsRetryable(s));
}

TEST_F(OtlpExporterTest, TlsAgainstAPlaintextServerFails) {
  FakeOtlpGrpcServer server;
  StartExporter(absl::StrCat("https://", server.address()), "timeout: 2s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
  EXPECT_TRUE(server.calls().empty());
}

TEST_F(OtlpExporterTest, SendsTheBatchWithMetadataOnTheExportMethod) {
  FakeOtlpGrpcServer server;
  StartExporter(server.address(),
                "tls: {insecure: true}\nheaders: {X-Tenant: acme, authorization: Bearer t}\n");
  pipeline::TraceBatch batch = MakeBatch(6);
  std::string expected_bytes = batch.ToProtoBytes();
  ASSERT_TRUE(exporter_->ConsumeTraces(std::move(batch)).ok());
  std::vector<FakeOtlpGrpcServer::Call> calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, weir::otlp::kExportMethod);
  EXPECT_EQ(calls[0].request, expected_bytes);
  EXPECT_EQ(calls[0].Metadata("x-tenant"), "acme");
  EXPECT_EQ(calls[0].Metadata("authorization"), "Bearer t");
  EXPECT_THAT(calls[0].Metadata("user-agent"), ::testing::StartsWith("weir"));
}

TEST_F(OtlpExporterTest, PartialSuccessResponseIsOk) {
  weir::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(2);
  response.mutable_partial_success()->set_error_message("too old");
  FakeOtlpGrpcServer::Reply reply;
  reply.response = response;
  FakeOtlpGrpcServer server(reply);
  StartExporter(server.address(), "tls: {insecure: true}\n");
  EXPECT_TRUE(exporter_->ConsumeTraces(MakeBatch(5)).ok());
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 5);
}

TEST_F(OtlpExporterTest, GrpcCodesBecomeTheSameAbslCodes) {
  // Retryable as the OTLP specification says; RESOURCE_EXHAUSTED has its own tests above.
  for (auto [code, retryable] : std::vector<std::pair<grpc::StatusCode, bool>>{
           {grpc::StatusCode::CANCELLED, true},
           {grpc::StatusCode::DEADLINE_EXCEEDED, true},
           {grpc::StatusCode::ABORTED, true},
           {grpc::StatusCode::OUT_OF_RANGE, true},
           {grpc::StatusCode::UNAVAILABLE, true},
           {grpc::StatusCode::DATA_LOSS, true},
           {grpc::StatusCode::UNKNOWN, false},
           {grpc::StatusCode::INVALID_ARGUMENT, false},
           {grpc::StatusCode::NOT_FOUND, false},
           {grpc::StatusCode::ALREADY_EXISTS, false},
           {grpc::StatusCode::PERMISSION_DENIED, false},
           {grpc::StatusCode::FAILED_PRECONDITION, false},
           {grpc::StatusCode::UNIMPLEMENTED, false},
           {grpc::StatusCode::INTERNAL, false},
           {grpc::StatusCode::UNAUTHENTICATED, false},
       }) {
    FakeOtlpGrpcServer::Reply reply;
    reply.code = code;
    reply.message = "server says no";
    FakeOtlpGrpcServer server(reply);
    StartExporter(server.address(), "tls: {insecure: true}\n");
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
    EXPECT_EQ(static_cast<int>(s.code()), static_cast<int>(code)) << s;
    EXPECT_EQ(pipeline::IsRetryable(s), retryable) << s;
    EXPECT_EQ(helper::RetryDelayOf(s), std::nullopt) << s;
    EXPECT_EQ(s.message(), absl::StrCat(server.address(), ": server says no"));
    exporter_->Shutdown(absl::Now() + absl::Seconds(2));
    exporter_.reset();
  }
}

TEST_F(OtlpExporterTest, SilentServerFailsWithDeadlineExceededAtTheTimeout) {
  FakeOtlpGrpcServer::Reply reply;
  reply.answer = false;
  FakeOtlpGrpcServer server(reply);
  StartExporter(server.address(), "tls: {insecure: true}\ntimeout: 300ms\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(3));
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Milliseconds(300) + absl::Seconds(2));
}

TEST_F(OtlpExporterTest, TlsTrustingTheServersCaDelivers) {
  FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("localhost:", server.port()),
                absl::StrCat("tls: {ca_file: ", testing::SelfSignedCertificate().cert_file, "}\n"));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(server.calls().size(), 1u);
}

TEST_F(OtlpExporterTest, TlsRefusesAnUntrustedServer) {
  FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("localhost:", server.port()), "timeout: 3s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_TRUE(server.calls().empty());
}

TEST_F(OtlpExporterTest, TlsSkipVerifyAcceptsAnUntrustedServer) {
  FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("localhost:", server.port()), "tls: {insecure_skip_verify: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(OtlpExporterTest, TlsServerNameOverrideIsWhatIsVerified) {
  FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("https://127.0.0.1:", server.port()),
                absl::StrCat("tls: {ca_file: ", testing::SelfSignedCertificate().cert_file,
                             ", server_name_override: localhost}\n"));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));
  StartExporter(absl::StrCat("https://127.0.0.1:", server.port()),
                absl::StrCat("tls: {ca_file: ", testing::SelfSignedCertificate().cert_file,
                             ", server_name_override: elsewhere.example}\ntimeout: 3s\n"));
  s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
}

TEST_F(OtlpExporterTest, MutualTlsPresentsTheClientCertificate) {
  FakeOtlpGrpcServer server(testing::FakeServerTls::kMutual);
  StartExporter(absl::StrCat("localhost:", server.port()),
                absl::StrCat("tls: {ca_file: ", testing::SelfSignedCertificate().cert_file,
                             ", cert_file: ", testing::SelfSignedCertificate().cert_file,
                             ", key_file: ", testing::SelfSignedCertificate().key_file, "}\n"));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));
  StartExporter(absl::StrCat("localhost:", server.port()),
                absl::StrCat("tls: {ca_file: ", testing::SelfSignedCertificate().cert_file,
                             "}\ntimeout: 3s\n"));
  s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_FALSE(s.ok());
}

TEST_F(OtlpExporterTest, ClosedPortFailsFastAsUnavailable) {
  std::string endpoint = absl::StrCat("127.0.0.1:", testing::FreePort());
  StartExporter(endpoint, "tls: {insecure: true}\ntimeout: 3s\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(4));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(endpoint));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3) + absl::Seconds(2));
}

// ---- The sender on its own ----

// Waits until `condition` holds, for up to 10 s; conditions that the exporter's threads make
// true.
bool WaitUntil(const std::function<bool()>& condition) {
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(GrpcSender, SendsRacingShutdownEndCleanly) {
  FakeOtlpGrpcServer::Reply slow;
  slow.delay = absl::Milliseconds(20);
  FakeOtlpGrpcServer server(slow);
  config::Diagnostics diagnostics;
  auto cfg =
      Decode(absl::StrCat("endpoint: ", server.address(), "\ntls: {insecure: true}"), &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  GrpcSender sender("otlp", *cfg);
  ASSERT_TRUE(sender.Start().ok());
  pipeline::TraceBatch batch = MakeBatch(2);
  std::atomic<int> ok{0}, stopped{0}, other{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < 4; ++i) {
    senders.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        absl::Status s = sender.Send(batch, absl::Now() + absl::Seconds(5));
        if (s.ok()) {
          ok.fetch_add(1);
        } else if (absl::IsFailedPrecondition(s)) {
          stopped.fetch_add(1);
        } else {
          other.fetch_add(1);
        }
      }
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return server.calls().size() >= 4; }));
  sender.Shutdown();
  for (auto& t : senders) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(stopped.load(), 0);
  EXPECT_EQ(ok.load() + stopped.load() + other.load(), 80);
}

// ---- Retries through the queue, on the fake clock ----

class OtlpRetryTest : public OtlpExporterTest {
 protected:
  // A queued exporter retrying after 1s, 1s, ... (no jitter) on the test environment's clock.
  void StartRetryingExporter(const FakeOtlpGrpcServer& server) {
    auto cfg = testing::DecodeOrFail(
        factory_, absl::StrCat("endpoint: ", server.address(),
                               "\ntls: {insecure: true}\nretry_on_failure: {initial_interval: 1s, "
                               "randomization_factor: 0, max_interval: 1s}\n"));
    ASSERT_NE(cfg, nullptr);
    auto created = factory_.CreateTraces(env_.SettingsFor("otlp"), *cfg);
    ASSERT_TRUE(created.ok()) << created.status();
    exporter_ = std::move(*created);
    ASSERT_TRUE(exporter_->Start(host_).ok());
  }
  void Advance(absl::Duration d) { env_.clock.Advance(absl::ToChronoNanoseconds(d)); }
  // Waits until `server` has had `calls` calls and the exporter waits to retry.
  bool WaitForRetryWait(const FakeOtlpGrpcServer& server, size_t calls) {
    return WaitUntil(
        [&] { return server.calls().size() == calls && env_.clock.pending_timers() == 1; });
  }
};

TEST_F(OtlpRetryTest, RetryInfoDelayDecidesTheNextAttempt) {
  FakeOtlpGrpcServer::Reply busy;
  busy.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  busy.message = "over quota";
  busy.retry_delay = absl::Seconds(7);
  FakeOtlpGrpcServer server(busy);
  StartRetryingExporter(server);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(3)).ok());
  ASSERT_TRUE(WaitForRetryWait(server, 1));
  server.set_reply(FakeOtlpGrpcServer::Reply{});
  Advance(absl::Seconds(1));  // the backoff alone would retry now
  Advance(absl::Seconds(6) - absl::Nanoseconds(1));
  EXPECT_EQ(env_.clock.pending_timers(), 1u);
  EXPECT_EQ(server.calls().size(), 1u);
  Advance(absl::Nanoseconds(1));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 3; }));
  EXPECT_EQ(server.calls().size(), 2u);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
}

TEST_F(OtlpRetryTest, UnavailableWithoutRetryInfoFollowsTheBackoff) {
  FakeOtlpGrpcServer::Reply down;
  down.code = grpc::StatusCode::UNAVAILABLE;
  down.message = "restarting";
  FakeOtlpGrpcServer server(down);
  StartRetryingExporter(server);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(2)).ok());
  ASSERT_TRUE(WaitForRetryWait(server, 1));
  server.set_reply(FakeOtlpGrpcServer::Reply{});
  Advance(absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 2; }));
  EXPECT_EQ(server.calls().size(), 2u);
}

TEST_F(OtlpRetryTest, ResourceExhaustedWithoutRetryInfoIsDroppedAtOnce) {
  FakeOtlpGrpcServer::Reply full;
  full.code = grpc::StatusCode::RESOURCE_EXHAUSTED;
  full.message = "message larger than max";
  FakeOtlpGrpcServer server(full);
  StartRetryingExporter(server);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(5)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_send_failed_spans") == 5; }));
  EXPECT_EQ(server.calls().size(), 1u);
  EXPECT_EQ(env_.clock.pending_timers(), 0u);
}

}  // namespace
}  // namespace weir::exporters::otlp

namespace weir::exporters::otlp {
namespace {

TEST_F(OtlpExporterTest, AuthenticatorHeaderGoesWithEveryExport) {
  testing::FakeClientAuthenticator auth("Authorization", "Bearer one");
  host_.extensions["bearertokenauth/out"] = &auth;
  FakeOtlpGrpcServer server;
  StartExporter(server.address(),
                "tls: {insecure: true}\nheaders: {authorization: configured, x-tenant: acme}\n"
                "auth: {authenticator: bearertokenauth/out}\n");
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(2, 1)).ok());
  auth.Set("Bearer two");  // rotated: the next export carries the new value
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(1, 1)).ok());
  std::vector<FakeOtlpGrpcServer::Call> calls = server.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].Metadata("authorization"), "Bearer one");
  EXPECT_EQ(calls[1].Metadata("authorization"), "Bearer two");
  EXPECT_EQ(calls[0].metadata.count("authorization"), 1u);  // replaces the configured one
  EXPECT_EQ(calls[1].Metadata("x-tenant"), "acme");
}

TEST_F(OtlpExporterTest, StartFailsWithoutTheAuthenticator) {
  auto cfg = testing::DecodeOrFail(
      factory_, "endpoint: 127.0.0.1:4317\nauth: {authenticator: bearertokenauth/out}\n");
  auto created = factory_.CreateTraces(env_.SettingsFor("otlp"), *cfg);
  ASSERT_TRUE(created.ok());
  absl::Status s = (*created)->Start(host_);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), ::testing::HasSubstr("auth.authenticator"));
  (*created)->Shutdown(absl::Now());
  auto refs = factory_.AuthReferences(*cfg);
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_FALSE(refs[0].server);
  EXPECT_EQ(refs[0].auth.path, "otlp.auth.authenticator");
}

}  // namespace
}  // namespace weir::exporters::otlp
