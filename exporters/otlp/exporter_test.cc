// Tests of the `otlp` exporter: config decoding and validation, the conformance suite, and
// end-to-end delivery to the real OTLP receiver over gRPC.
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "config/diagnostics.h"
#include "config/node.h"
#include "exporters/otlp/config.h"
#include "exporters/otlp/factory.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "pipeline/otlp/types.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/otlp/factory.h"
#include "receivers/otlp/receiver.h"
#include "tests/testing/conformance.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/test_certificate.h"
#include "yaml-cpp/yaml.h"

namespace weir::exporters::otlp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using weir::testing::FailingConsumer;
using weir::testing::MakeBatch;
using weir::testing::MakeRequest;
using weir::testing::RecordingHost;
using weir::testing::SinkConsumer;
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

// ---- End to end against the real OTLP receiver ----

// The value of an exporter metric labelled exporter=`exporter`, or -1 when absent.
double ExporterMetric(telemetry::Telemetry& telemetry, const std::string& name,
                      const std::string& exporter) {
  for (const auto& family : telemetry.registry().Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "exporter" && label.value == exporter) {
          return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

class OtlpExporterEndToEnd : public ::testing::Test {
 protected:
  // Starts the OTLP receiver (gRPC only) on a free port, delivering to `next`.
  void StartReceiver(pipeline::TracesConsumer& next) {
    receivers::otlp::Factory factory;
    auto cfg = testing::DecodeOrFail(factory, "protocols:\n  grpc:\n    endpoint: 127.0.0.1:0\n");
    auto created = factory.CreateTraces(env_.SettingsFor("otlp/in"), *cfg, next);
    ASSERT_TRUE(created.ok()) << created.status();
    receiver_ = std::move(*created);
    ASSERT_TRUE(receiver_->Start(host_).ok());
    auto* concrete = dynamic_cast<receivers::otlp::Receiver*>(receiver_.get());
    ASSERT_NE(concrete, nullptr);
    address_ = concrete->grpc_address();
    ASSERT_FALSE(address_.empty());
  }

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

  double Metric(const std::string& name) { return ExporterMetric(env_.telemetry, name, "otlp"); }

  // Exports three batches of different shapes and checks the sink got exactly those spans.
  void ExpectDelivered() {
    pipeline::TraceBatch expected;
    std::vector<pipeline::TraceBatch> batches;
    batches.push_back(MakeBatch(5, 1));
    batches.push_back(pipeline::TraceBatch::FromRequest(MakeRequest(2, 2, 3, 2)));
    batches.push_back(MakeBatch(1, 3));
    size_t total = 0;
    for (auto& b : batches) {
      total += b.span_count();
      expected.Append(b.Clone());
      absl::Status s = exporter_->ConsumeTraces(std::move(b));
      ASSERT_TRUE(s.ok()) << s;
    }
    ASSERT_TRUE(sink_.WaitForSpans(total, std::chrono::seconds(10)));
    EXPECT_EQ(sink_.span_count(), total);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(sink_.Merged().ToRequest(),
                                                                   expected.ToRequest()));
    EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), static_cast<double>(total));
    EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  }

  void TearDown() override {
    if (exporter_) exporter_->Shutdown(absl::Now() + absl::Seconds(5));
    if (receiver_) receiver_->Shutdown(absl::Now() + absl::Seconds(5));
  }

  TestEnvironment env_;
  RecordingHost host_;
  SinkConsumer sink_;
  Factory factory_;
  std::unique_ptr<pipeline::Component> receiver_;
  std::string address_;
  std::unique_ptr<pipeline::TracesExporter> exporter_;
};

TEST_F(OtlpExporterEndToEnd, DeliversEverySpanWithGzip) {
  StartReceiver(sink_);
  StartExporter(address_, "tls: {insecure: true}\ncompression: gzip\n");
  ExpectDelivered();
}

TEST_F(OtlpExporterEndToEnd, DeliversEverySpanUncompressed) {
  StartReceiver(sink_);
  StartExporter(address_, "tls: {insecure: true}\ncompression: none\n");
  ExpectDelivered();
}

TEST_F(OtlpExporterEndToEnd, HttpSchemeMeansPlaintextAndHeadersAreAccepted) {
  StartReceiver(sink_);
  StartExporter(absl::StrCat("http://", address_), "headers: {X-Tenant: acme}\n");
  ExpectDelivered();
}

TEST_F(OtlpExporterEndToEnd, DeliversThroughTheQueue) {
  StartReceiver(sink_);
  auto cfg = testing::DecodeOrFail(
      factory_, absl::StrCat("endpoint: ", address_, "\ntls: {insecure: true}\n"));
  auto created = factory_.CreateTraces(env_.SettingsFor("otlp"), *cfg);
  ASSERT_TRUE(created.ok());
  exporter_ = std::move(*created);
  ASSERT_TRUE(exporter_->Start(host_).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(3, i + 1)).ok());
  exporter_->Shutdown(absl::Now() + absl::Seconds(10));
  EXPECT_EQ(sink_.span_count(), 60u);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 60);
  EXPECT_EQ(Metric("otelcol_exporter_queue_capacity"), 32 << 20);  // bytes by default
}

TEST_F(OtlpExporterEndToEnd, PartialSuccessStillCountsAsSent) {
  StartReceiver(sink_);
  StartExporter(address_, "tls: {insecure: true}\n");
  weir::otlp::ExportRequest request = MakeRequest(1, 1, 4);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_trace_id("bad");
  absl::Status s = exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(sink_.span_count(), 3u);
}

TEST_F(OtlpExporterEndToEnd, RefusalIsRetryableUnavailableAndCounted) {
  FailingConsumer refusing(absl::UnavailableError("pipeline is full"));
  StartReceiver(refusing);
  StartExporter(address_, "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(7));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(address_));
  EXPECT_THAT(s.message(), HasSubstr("pipeline is full"));
  EXPECT_EQ(refusing.refused(), 7u);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 7);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 0);
}

TEST_F(OtlpExporterEndToEnd, ResourceExhaustedKeepsItsCode) {
  FailingConsumer refusing(absl::ResourceExhaustedError("memory limit"));
  StartReceiver(refusing);
  StartExporter(address_, "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
}

TEST_F(OtlpExporterEndToEnd, InvalidDataIsPermanent) {
  FailingConsumer refusing(absl::InvalidArgumentError("no thanks"));
  StartReceiver(refusing);
  StartExporter(address_, "tls: {insecure: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("no thanks"));
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 2);
}

TEST_F(OtlpExporterEndToEnd, TlsAgainstAPlaintextServerFails) {
  StartReceiver(sink_);
  StartExporter(absl::StrCat("https://", address_), "timeout: 2s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
  EXPECT_EQ(sink_.span_count(), 0u);
}

TEST_F(OtlpExporterEndToEnd, SendsTheBatchWithMetadataOnTheExportMethod) {
  testing::FakeOtlpGrpcServer server;
  StartExporter(server.address(),
                "tls: {insecure: true}\nheaders: {X-Tenant: acme, authorization: Bearer t}\n");
  pipeline::TraceBatch batch = MakeBatch(6);
  std::string expected_bytes = batch.ToProtoBytes();
  ASSERT_TRUE(exporter_->ConsumeTraces(std::move(batch)).ok());
  std::vector<testing::FakeOtlpGrpcServer::Call> calls = server.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, weir::otlp::kExportMethod);
  EXPECT_EQ(calls[0].request, expected_bytes);
  auto metadata = [&](const std::string& key) {
    auto it = calls[0].metadata.find(key);
    return it == calls[0].metadata.end() ? std::string("<absent>") : it->second;
  };
  EXPECT_EQ(metadata("x-tenant"), "acme");
  EXPECT_EQ(metadata("authorization"), "Bearer t");
  EXPECT_THAT(metadata("user-agent"), ::testing::StartsWith("weir"));
}

TEST_F(OtlpExporterEndToEnd, PartialSuccessResponseIsOk) {
  weir::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(2);
  response.mutable_partial_success()->set_error_message("too old");
  testing::FakeOtlpGrpcServer::Reply reply;
  reply.response = response;
  testing::FakeOtlpGrpcServer server(reply);
  StartExporter(server.address(), "tls: {insecure: true}\n");
  EXPECT_TRUE(exporter_->ConsumeTraces(MakeBatch(5)).ok());
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 5);
}

TEST_F(OtlpExporterEndToEnd, GrpcCodesBecomeTheSameAbslCodes) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::RESOURCE_EXHAUSTED,
        grpc::StatusCode::ABORTED, grpc::StatusCode::OUT_OF_RANGE, grpc::StatusCode::DATA_LOSS,
        grpc::StatusCode::UNIMPLEMENTED, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::INTERNAL}) {
    testing::FakeOtlpGrpcServer::Reply reply;
    reply.code = code;
    reply.message = "server says no";
    testing::FakeOtlpGrpcServer server(reply);
    StartExporter(server.address(), "tls: {insecure: true}\n");
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
    EXPECT_EQ(static_cast<int>(s.code()), static_cast<int>(code)) << s;
    EXPECT_EQ(s.message(), absl::StrCat(server.address(), ": server says no"));
    exporter_->Shutdown(absl::Now() + absl::Seconds(2));
    exporter_.reset();
  }
}

TEST_F(OtlpExporterEndToEnd, SilentServerFailsWithDeadlineExceededAtTheTimeout) {
  testing::FakeOtlpGrpcServer::Reply reply;
  reply.answer = false;
  testing::FakeOtlpGrpcServer server(reply);
  StartExporter(server.address(), "tls: {insecure: true}\ntimeout: 300ms\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(3));
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Milliseconds(300) + absl::Seconds(2));
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 3);
}

TEST_F(OtlpExporterEndToEnd, TlsTrustingTheServersCaDelivers) {
  testing::FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("localhost:", server.port()),
                absl::StrCat("tls: {ca_file: ", testing::SelfSignedCertificate().cert_file, "}\n"));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(server.calls().size(), 1u);
}

TEST_F(OtlpExporterEndToEnd, TlsRefusesAnUntrustedServer) {
  testing::FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("localhost:", server.port()), "timeout: 3s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_TRUE(server.calls().empty());
}

TEST_F(OtlpExporterEndToEnd, TlsSkipVerifyAcceptsAnUntrustedServer) {
  testing::FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
  StartExporter(absl::StrCat("localhost:", server.port()), "tls: {insecure_skip_verify: true}\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(OtlpExporterEndToEnd, TlsServerNameOverrideIsWhatIsVerified) {
  testing::FakeOtlpGrpcServer server(testing::FakeServerTls::kServer);
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

TEST_F(OtlpExporterEndToEnd, MutualTlsPresentsTheClientCertificate) {
  testing::FakeOtlpGrpcServer server(testing::FakeServerTls::kMutual);
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

TEST_F(OtlpExporterEndToEnd, ClosedPortFailsFastAsUnavailable) {
  std::string endpoint = absl::StrCat("127.0.0.1:", testing::FreePort());
  StartExporter(endpoint, "tls: {insecure: true}\ntimeout: 3s\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(4));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(endpoint));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3) + absl::Seconds(2));
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 4);
}

}  // namespace
}  // namespace weir::exporters::otlp
