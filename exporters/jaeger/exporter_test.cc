// Tests of the `jaeger` exporter: config, the conformance suite, and exports to fake backends
// whose requests are decoded with independent code: protobuf's generated api_v2 types for
// gRPC, the Thrift library's binary protocol and generated types for Thrift over HTTP.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/diagnostics.h"
#include "config/node.h"
#include "exporters/jaeger/config.h"
#include "exporters/jaeger/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jaeger/api_v2/collector.pb.h"
#include "jaeger_types.h"
#include "pipeline/otlp/types.h"
#include "tests/testing/conformance.h"
#include "tests/testing/fake_otlp_http_server.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/span_generator.h"
#include "thrift/protocol/TBinaryProtocol.h"
#include "thrift/transport/TBufferTransports.h"
#include "yaml-cpp/yaml.h"

namespace weir::exporters::jaeger {
namespace {

using ::testing::HasSubstr;
using weir::testing::FakeOtlpGrpcServer;
using weir::testing::FakeOtlpHttpServer;
using weir::testing::MakeRequest;
using weir::testing::RecordingHost;
using weir::testing::TestEnvironment;

constexpr char kPath[] = "exporters.jaeger";

std::unique_ptr<Config> Decode(const std::string& yaml, config::Diagnostics* diagnostics) {
  return DecodeConfig(config::Node(YAML::Load(yaml), kPath, diagnostics));
}

void ExpectProblem(const std::string& yaml, const std::string& key, const std::string& fragment) {
  config::Diagnostics diagnostics;
  Decode(yaml, &diagnostics);
  std::string all = diagnostics.ToString();
  EXPECT_THAT(all, HasSubstr(absl::StrCat(kPath, ".", key, ": "))) << yaml;
  EXPECT_THAT(all, HasSubstr(fragment)) << yaml;
}

TEST(JaegerExporterConfig, GrpcIsTheDefaultProtocolWithoutCompression) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: jaeger:14250", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->protocol, Protocol::kGrpc);
  EXPECT_EQ(cfg->grpc.target, "jaeger:14250");
  EXPECT_TRUE(cfg->grpc.use_tls);
  EXPECT_FALSE(cfg->grpc.compression.gzip());
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(5));
  EXPECT_TRUE(cfg->exporter.queue.enabled);
  EXPECT_TRUE(cfg->exporter.retry.enabled);
}

TEST(JaegerExporterConfig, ThriftHttpUrlGetsTheApiPath) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("protocol: thrift_http\nendpoint: http://jaeger:14268", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->protocol, Protocol::kThriftHttp);
  EXPECT_EQ(cfg->url.host, "jaeger");
  EXPECT_EQ(cfg->url.port, 14268);
  EXPECT_EQ(cfg->url.target, "/api/traces");
  EXPECT_FALSE(cfg->compression.gzip());
  cfg = Decode("protocol: thrift_http\nendpoint: https://j:443/custom/path", &diagnostics);
  EXPECT_EQ(cfg->url.target, "/custom/path");
  EXPECT_TRUE(cfg->url.https);
}

TEST(JaegerExporterConfig, Problems) {
  ExpectProblem("protocol: thrift\nendpoint: x:1", "protocol", "expected grpc or thrift_http");
  ExpectProblem("protocol: grpc", "endpoint", "");
  ExpectProblem("protocol: thrift_http", "endpoint", "");
  ExpectProblem("protocol: thrift_http\nendpoint: jaeger:14268", "endpoint", "");
  ExpectProblem("endpoint: j:1\nbogus: 1", "bogus", "");
  ExpectProblem("endpoint: j:1\ncompression: zstd", "compression", "supported: gzip, none");
}

TEST(JaegerExporter, ConformanceGrpc) {
  testing::RunExporterConformance(
      Factory(),
      "endpoint: 127.0.0.1:1\ntls: {insecure: true}\nretry_on_failure: {enabled: false}");
}

TEST(JaegerExporter, ConformanceThriftHttp) {
  testing::RunExporterConformance(
      Factory(),
      "protocol: thrift_http\nendpoint: http://127.0.0.1:1\nretry_on_failure: {enabled: false}");
}

class JaegerExporterTest : public ::testing::Test {
 protected:
  void StartExporter(const std::string& yaml) {
    auto cfg = testing::DecodeOrFail(
        factory_,
        absl::StrCat("sending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n",
                     yaml));
    ASSERT_NE(cfg, nullptr);
    auto created = factory_.CreateTraces(env_.SettingsFor("jaeger"), *cfg);
    ASSERT_TRUE(created.ok()) << created.status();
    exporter_ = std::move(*created);
    ASSERT_TRUE(exporter_->Start(host_).ok());
  }

  void TearDown() override {
    if (exporter_) exporter_->Shutdown(absl::Now() + absl::Seconds(5));
  }

  double Metric(const std::string& name) { return env_.ExporterMetric(name, "jaeger"); }

  TestEnvironment env_;
  RecordingHost host_;
  Factory factory_;
  std::unique_ptr<pipeline::TracesExporter> exporter_;
};

// Three resources of 2 scopes × 4 spans: one Jaeger batch per resource.
weir::otlp::ExportRequest ThreeResources() { return MakeRequest(3, 2, 4, 7); }

std::string ServiceOf(const weir::otlp::ResourceSpans& rs) {
  for (const auto& a : rs.resource().attributes()) {
    if (a.key() == "service.name") return a.value().string_value();
  }
  return "OTLPResourceNoServiceName";
}

TEST_F(JaegerExporterTest, GrpcPostsOneBatchPerResource) {
  FakeOtlpGrpcServer server;
  StartExporter(absl::StrCat("endpoint: ", server.address(),
                             "\ntls: {insecure: true}\nheaders: {x-tenant: acme}\n"));
  const auto request = ThreeResources();
  ASSERT_TRUE(exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request)).ok());
  auto calls = server.calls();
  ASSERT_EQ(calls.size(), 3u);
  for (int r = 0; r < 3; ++r) {
    SCOPED_TRACE(r);
    EXPECT_EQ(calls[r].method, "/jaeger.api_v2.CollectorService/PostSpans");
    EXPECT_EQ(calls[r].encoding, "identity");
    EXPECT_EQ(calls[r].Metadata("x-tenant"), "acme");
    ::jaeger::api_v2::PostSpansRequest post;
    ASSERT_TRUE(post.ParseFromString(calls[r].request));
    const auto& rs = request.resource_spans(r);
    EXPECT_EQ(post.batch().process().service_name(), ServiceOf(rs));
    ASSERT_EQ(post.batch().spans_size(), 8);
    int i = 0;
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        const auto& js = post.batch().spans(i++);
        EXPECT_EQ(js.trace_id(), span.trace_id());
        EXPECT_EQ(js.span_id(), span.span_id());
        EXPECT_EQ(js.operation_name(), span.name());
        const uint64_t start =
            static_cast<uint64_t>(js.start_time().seconds()) * 1000000000 + js.start_time().nanos();
        EXPECT_EQ(start, span.start_time_unix_nano());
      }
    }
  }
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 24);
}

TEST_F(JaegerExporterTest, GrpcRefusalIsRetryableAndCounted) {
  FakeOtlpGrpcServer::Reply reply;
  reply.code = grpc::StatusCode::UNAVAILABLE;
  reply.message = "collector down";
  FakeOtlpGrpcServer server(reply);
  StartExporter(absl::StrCat("endpoint: ", server.address(), "\ntls: {insecure: true}\n"));
  absl::Status s = exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(ThreeResources()));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("collector down"));
  EXPECT_EQ(server.calls().size(), 1u);  // stops at the first resource that fails
}

TEST_F(JaegerExporterTest, GrpcGzipWhenConfigured) {
  FakeOtlpGrpcServer server;
  StartExporter(
      absl::StrCat("endpoint: ", server.address(), "\ntls: {insecure: true}\ncompression: gzip\n"));
  ASSERT_TRUE(exporter_->ConsumeTraces(weir::testing::MakeBatch(3)).ok());
  ASSERT_EQ(server.calls().size(), 1u);
  EXPECT_EQ(server.calls()[0].encoding, "gzip");
}

jaegertracing::thrift::Batch ReadThrift(const std::string& body) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(body.data())),
      static_cast<uint32_t>(body.size()));
  apache::thrift::protocol::TBinaryProtocol protocol(buffer);
  jaegertracing::thrift::Batch batch;
  batch.read(&protocol);
  return batch;
}

TEST_F(JaegerExporterTest, ThriftHttpPostsBinaryBatches) {
  FakeOtlpHttpServer server;
  StartExporter(absl::StrCat("protocol: thrift_http\nendpoint: http://127.0.0.1:", server.port(),
                             "\nheaders: {X-Tenant: acme}\n"));
  const auto request = ThreeResources();
  ASSERT_TRUE(exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request)).ok());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (int r = 0; r < 3; ++r) {
    SCOPED_TRACE(r);
    EXPECT_EQ(requests[r].path, "/api/traces");
    EXPECT_EQ(requests[r].Header("content-type"), "application/x-thrift");
    EXPECT_EQ(requests[r].Header("x-tenant"), "acme");
    const auto batch = ReadThrift(requests[r].decoded_body);
    const auto& rs = request.resource_spans(r);
    EXPECT_EQ(batch.process.serviceName, ServiceOf(rs));
    ASSERT_EQ(batch.spans.size(), 8u);
    const auto& span = rs.scope_spans(0).spans(0);
    const auto& js = batch.spans[0];
    uint64_t high = 0, low = 0, id = 0;
    for (int b = 0; b < 8; ++b) {
      high = high << 8 | static_cast<uint8_t>(span.trace_id()[b]);
      low = low << 8 | static_cast<uint8_t>(span.trace_id()[8 + b]);
      id = id << 8 | static_cast<uint8_t>(span.span_id()[b]);
    }
    EXPECT_EQ(static_cast<uint64_t>(js.traceIdHigh), high);
    EXPECT_EQ(static_cast<uint64_t>(js.traceIdLow), low);
    EXPECT_EQ(static_cast<uint64_t>(js.spanId), id);
    EXPECT_EQ(js.operationName, span.name());
    EXPECT_EQ(js.startTime, static_cast<int64_t>(span.start_time_unix_nano() / 1000));
    EXPECT_EQ(js.duration, static_cast<int64_t>(
                               (span.end_time_unix_nano() - span.start_time_unix_nano()) / 1000));
    EXPECT_EQ(js.flags, 1);
  }
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 24);
}

TEST_F(JaegerExporterTest, ThriftHttpStatusCodesFollowTheOtlpRules) {
  FakeOtlpHttpServer server(FakeOtlpHttpServer::Refusal(503, 14, "busy", "3"));
  StartExporter(absl::StrCat("protocol: thrift_http\nendpoint: http://127.0.0.1:", server.port(),
                             "\ncompression: gzip\n"));
  absl::Status s = exporter_->ConsumeTraces(weir::testing::MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("HTTP 503"));
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].content_encoding, "gzip");
  server.set_reply(FakeOtlpHttpServer::Refusal(400, 3, "bad batch"));
  s = exporter_->ConsumeTraces(weir::testing::MakeBatch(2));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
}

}  // namespace
}  // namespace weir::exporters::jaeger
