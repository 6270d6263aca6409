// Tests of the `zipkin` exporter: config, the conformance suite, and exports to a fake backend
// whose requests are decoded with independent code: RapidJSON for v2 JSON, protobuf's
// generated zipkin.proto3 types for protobuf.
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "config/diagnostics.h"
#include "config/node.h"
#include "exporters/zipkin/config.h"
#include "exporters/zipkin/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/types.h"
#include "rapidjson/document.h"
#include "tests/testing/conformance.h"
#include "tests/testing/fake_otlp_http_server.h"
#include "tests/testing/span_generator.h"
#include "yaml-cpp/yaml.h"
#include "zipkin/zipkin.pb.h"

namespace weir::exporters::zipkin {
namespace {

using ::testing::HasSubstr;
using weir::testing::FakeOtlpHttpServer;
using weir::testing::MakeRequest;
using weir::testing::RecordingHost;
using weir::testing::TestEnvironment;

constexpr char kPath[] = "exporters.zipkin";

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

TEST(ZipkinExporterConfig, DefaultsAreOtelcols) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: http://zipkin:9411", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->format, Format::kJson);
  EXPECT_EQ(cfg->url.target, "/api/v2/spans");
  EXPECT_EQ(cfg->default_service_name, "<missing service name>");
  EXPECT_FALSE(cfg->compression.gzip());
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(5));
  EXPECT_TRUE(cfg->exporter.queue.enabled);
  EXPECT_TRUE(cfg->exporter.retry.enabled);
  cfg = Decode("endpoint: https://z/custom\nformat: proto", &diagnostics);
  EXPECT_EQ(cfg->url.target, "/custom");
  EXPECT_EQ(cfg->format, Format::kProto);
}

TEST(ZipkinExporterConfig, Problems) {
  ExpectProblem("format: json", "endpoint", "");
  ExpectProblem("endpoint: zipkin:9411", "endpoint", "");
  ExpectProblem("endpoint: http://z:1\nformat: thrift", "format",
                "\"thrift\" is not one of json or proto");
  ExpectProblem("endpoint: http://z:1\nbogus: 1", "bogus", "");
  ExpectProblem("endpoint: http://z:1\ncompression: zstd", "compression", "supported: gzip, none");
}

TEST(ZipkinExporter, Conformance) {
  testing::RunExporterConformance(
      Factory(), "endpoint: http://127.0.0.1:1\nretry_on_failure: {enabled: false}");
}

class ZipkinExporterTest : public ::testing::Test {
 protected:
  void StartExporter(const std::string& yaml) {
    auto cfg = testing::DecodeOrFail(
        factory_,
        absl::StrCat("sending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n",
                     yaml));
    ASSERT_NE(cfg, nullptr);
    auto created = factory_.CreateTraces(env_.SettingsFor("zipkin"), *cfg);
    ASSERT_TRUE(created.ok()) << created.status();
    exporter_ = std::move(*created);
    ASSERT_TRUE(exporter_->Start(host_).ok());
  }

  void TearDown() override {
    if (exporter_) exporter_->Shutdown(absl::Now() + absl::Seconds(5));
  }

  double Metric(const std::string& name) { return env_.ExporterMetric(name, "zipkin"); }

  TestEnvironment env_;
  RecordingHost host_;
  Factory factory_;
  std::unique_ptr<pipeline::TracesExporter> exporter_;
};

std::string ServiceOf(const weir::otlp::ResourceSpans& rs) {
  for (const auto& a : rs.resource().attributes()) {
    if (a.key() == "service.name") return a.value().string_value();
  }
  return "<missing service name>";
}

TEST_F(ZipkinExporterTest, JsonPostsEverySpanInOneRequest) {
  FakeOtlpHttpServer server;
  StartExporter(
      absl::StrCat("endpoint: http://127.0.0.1:", server.port(), "\nheaders: {X-Tenant: acme}\n"));
  const auto request = MakeRequest(3, 2, 4, 7);
  ASSERT_TRUE(exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request)).ok());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/api/v2/spans");
  EXPECT_EQ(requests[0].Header("content-type"), "application/json");
  EXPECT_EQ(requests[0].Header("x-tenant"), "acme");
  rapidjson::Document doc;
  doc.Parse(requests[0].decoded_body.c_str());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 24u);
  int i = 0;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& span : ss.spans()) {
        SCOPED_TRACE(i);
        const auto& z = doc[i++];
        EXPECT_EQ(z["traceId"].GetString(), absl::BytesToHexString(span.trace_id()));
        EXPECT_EQ(z["id"].GetString(), absl::BytesToHexString(span.span_id()));
        EXPECT_EQ(z["name"].GetString(), span.name());
        EXPECT_EQ(z["timestamp"].GetUint64(), (span.start_time_unix_nano() + 500) / 1000);
        EXPECT_EQ(z["localEndpoint"]["serviceName"].GetString(), ServiceOf(rs));
      }
    }
  }
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 24);
}

TEST_F(ZipkinExporterTest, ProtoPostsAListOfSpans) {
  FakeOtlpHttpServer server;
  StartExporter(absl::StrCat("endpoint: http://127.0.0.1:", server.port(),
                             "/api/v2/spans\nformat: proto\ncompression: gzip\n"));
  const auto request = MakeRequest(2, 1, 3, 11);
  ASSERT_TRUE(exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request)).ok());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(requests[0].content_encoding, "gzip");
  ::zipkin::proto3::ListOfSpans spans;
  ASSERT_TRUE(spans.ParseFromString(requests[0].decoded_body));
  ASSERT_EQ(spans.spans_size(), 6);
  const auto& span = request.resource_spans(1).scope_spans(0).spans(2);
  EXPECT_EQ(spans.spans(5).trace_id(), span.trace_id());
  EXPECT_EQ(spans.spans(5).id(), span.span_id());
  EXPECT_EQ(spans.spans(5).local_endpoint().service_name(), ServiceOf(request.resource_spans(1)));
}

TEST_F(ZipkinExporterTest, StatusCodesFollowTheOtlpRulesAndBadIdsArePermanent) {
  FakeOtlpHttpServer server(FakeOtlpHttpServer::Refusal(503, 14, "busy", "3"));
  StartExporter(absl::StrCat("endpoint: http://127.0.0.1:", server.port(), "\n"));
  absl::Status s = exporter_->ConsumeTraces(weir::testing::MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("HTTP 503"));
  server.set_reply(FakeOtlpHttpServer::Refusal(400, 3, "bad batch"));
  s = exporter_->ConsumeTraces(weir::testing::MakeBatch(2));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;

  auto request = MakeRequest(1, 1, 2, 3);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_span_id("");
  const size_t before = server.requests().size();
  s = exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("span id is invalid"));
  EXPECT_EQ(server.requests().size(), before);
}

}  // namespace
}  // namespace weir::exporters::zipkin
