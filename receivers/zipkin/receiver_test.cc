// Tests of the `zipkin` receiver: config, the conformance suite, v2 JSON and protobuf end to end
// into a sink, gzip, bad input, the span limit and pushback.
#include "receivers/zipkin/receiver.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/compression.h"
#include "pipeline/zipkin/wire_count.h"
#include "receivers/zipkin/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"
#include "zipkin/zipkin.pb.h"

namespace weir::receivers::zipkin {
namespace {

using ::testing::HasSubstr;

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "receivers.zipkin", &d));
  if (out) *out = std::move(cfg);
  return d;
}

TEST(ZipkinReceiverConfig, DefaultsMatchOtelcol) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("{}", &cfg).ok());
  EXPECT_EQ(cfg->endpoint, "localhost:9411");
  EXPECT_FALSE(cfg->parse_string_tags);
  EXPECT_EQ(cfg->max_request_body_size, 20 << 20);
  for (const char* bad :
       {"endpoint: nohost", "parse_string_tags: maybe", "max_request_body_size: 0", "bogus: 1"}) {
    EXPECT_FALSE(Decode(bad).ok()) << bad;
  }
}

// Two spans as zipkin-js writes v2 JSON: one server span with endpoints and an annotation, one
// client child.
constexpr char kJson[] = R"([
  {"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","kind":"SERVER","name":"get /api",
   "timestamp":1556604172355737,"duration":1431,
   "localEndpoint":{"serviceName":"backend","ipv4":"192.168.99.1","port":3306},
   "annotations":[{"timestamp":1556604172355800,"value":"wr"}],
   "tags":{"http.method":"GET","http.status_code":"500","error":"boom"}},
  {"traceId":"5af7183fb1d4cf5f","id":"452bff9a74ca9ad2","parentId":"352bff9a74ca9ad2",
   "kind":"CLIENT","name":"query","timestamp":1556604172355800,"duration":100,
   "localEndpoint":{"serviceName":"backend"},"remoteEndpoint":{"serviceName":"db"}}
])";

class ZipkinReceiverTest : public ::testing::Test {
 protected:
  void StartWith(pipeline::TracesConsumer& next, const std::string& yaml = "") {
    std::unique_ptr<Config> cfg;
    auto d = Decode(absl::StrCat("endpoint: 127.0.0.1:0\n", yaml), &cfg);
    ASSERT_TRUE(d.ok()) << d.ToString();
    receiver_ = std::make_unique<Receiver>(env_.SettingsFor("zipkin"), *cfg, next);
    ASSERT_TRUE(receiver_->Start(host_).ok());
  }
  void TearDown() override {
    if (receiver_) receiver_->Shutdown(absl::Now() + absl::Seconds(5));
    pipeline::MemoryBudget::Process().set_limit(pipeline::MemoryBudget::kUnlimited);
  }
  std::string Metrics() { return env_.telemetry.Scrape(); }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  testing::SinkConsumer sink_;
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(ZipkinReceiverTest, JsonV2) {
  StartWith(sink_, "parse_string_tags: true");
  auto r = testing::HttpPost(receiver_->address(), "/api/v2/spans", "application/json", kJson);
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(sink_.WaitForSpans(2, std::chrono::seconds(10)));
  weir::otlp::ExportRequest got = sink_.Merged().ToRequest();
  ASSERT_EQ(got.resource_spans_size(), 1);
  const auto& rs = got.resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "backend");
  const auto& server = rs.scope_spans(0).spans(0);
  EXPECT_EQ(server.kind(), weir::otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(server.status().code(), weir::otlp::SpanStatus::STATUS_CODE_ERROR);
  EXPECT_EQ(server.status().message(), "boom");
  bool typed = false;
  for (const auto& a : server.attributes()) {
    if (a.key() == "http.status_code") typed = a.value().int_value() == 500;
  }
  EXPECT_TRUE(typed);
  const auto& client = rs.scope_spans(0).spans(1);
  EXPECT_EQ(client.parent_span_id(), server.span_id());
  EXPECT_THAT(Metrics(), HasSubstr("otelcol_receiver_accepted_spans{receiver=\"zipkin\","
                                   "transport=\"http_v2_json\"} 2"));
}

TEST_F(ZipkinReceiverTest, ProtoV2AndGzip) {
  StartWith(sink_);
  ::zipkin::proto3::ListOfSpans spans;
  for (int i = 0; i < 3; ++i) {
    auto* s = spans.add_spans();
    s->set_trace_id(std::string(16, '\x11'));
    s->set_id(std::string(7, '\x22') + static_cast<char>('\x01' + i));
    s->set_name(absl::StrCat("op-", i));
    s->set_timestamp(1700000000000000);
    s->set_duration(5);
    s->mutable_local_endpoint()->set_service_name("proto-svc");
  }
  const std::string wire = spans.SerializeAsString();
  EXPECT_EQ(weir::zipkin::CountProtoSpans(wire), 3);
  auto r = testing::HttpPost(receiver_->address(), "/api/v2/spans", "application/x-protobuf",
                             net::Gzip(wire, -1), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(sink_.WaitForSpans(3, std::chrono::seconds(10)));
  EXPECT_THAT(Metrics(), HasSubstr("otelcol_receiver_accepted_spans{receiver=\"zipkin\","
                                   "transport=\"http_v2_proto\"} 3"));
}

TEST_F(ZipkinReceiverTest, BadInputIsAnsweredAndCostsNothingElse) {
  StartWith(sink_);
  const std::string address = receiver_->address();
  auto r = testing::HttpPost(address, "/api/v2/spans", "application/json", "[{\"id\":\"1\"}]");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("spans[0].traceId: required"));
  r = testing::HttpPost(address, "/api/v2/spans", "application/json", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("invalid JSON"));
  r = testing::HttpPost(address, "/api/v2/spans", "application/x-protobuf", "\xff\xff\xff");
  EXPECT_EQ(r.status, 400);
  r = testing::HttpPost(address, "/api/v2/spans", "application/json", "garbage",
                        {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  r = testing::HttpPost(address, "/api/v2/spans", "application/json", kJson,
                        {{"Content-Encoding", "br"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("unsupported Content-Encoding"));
  r = testing::HttpPost(address, "/api/v1/spans", "application/json", "[{\"traceId\":\"1\"}]");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("spans[0].id: required"));
  r = testing::HttpPost(address, "/api/v1/spans", "application/x-thrift", "\x0c\x00");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(sink_.span_count(), 0u);
  // The server goes on.
  r = testing::HttpPost(address, "/api/v2/spans", "application/json", kJson);
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(sink_.WaitForSpans(2, std::chrono::seconds(10)));
}

TEST_F(ZipkinReceiverTest, JsonV1) {
  StartWith(sink_);
  auto r = testing::HttpPost(receiver_->address(), "/api/v1/spans", "application/json", R"([{
    "traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","name":"get",
    "annotations":[{"timestamp":1000,"value":"sr","endpoint":{"serviceName":"old"}},
                   {"timestamp":1900,"value":"ss","endpoint":{"serviceName":"old"}}],
    "binaryAnnotations":[{"key":"http.path","value":"/x"}]}])");
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(sink_.WaitForSpans(1, std::chrono::seconds(10)));
  weir::otlp::ExportRequest got = sink_.Merged().ToRequest();
  const auto& span = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(got.resource_spans(0).resource().attributes(0).value().string_value(), "old");
  EXPECT_EQ(span.kind(), weir::otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1000000u);
  EXPECT_EQ(span.end_time_unix_nano(), 1900000u);
  EXPECT_THAT(Metrics(), HasSubstr("otelcol_receiver_accepted_spans{receiver=\"zipkin\","
                                   "transport=\"http_v1_json\"} 1"));
}

TEST_F(ZipkinReceiverTest, PipelineRefusalIsRetryLater) {
  testing::FailingConsumer refusing(absl::UnavailableError("exporter queue full"));
  StartWith(refusing);
  auto r = testing::HttpPost(receiver_->address(), "/api/v2/spans", "application/json", kJson);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_THAT(r.body, HasSubstr("exporter queue full"));
  EXPECT_THAT(Metrics(), HasSubstr("otelcol_receiver_refused_spans{receiver=\"zipkin\","
                                   "transport=\"http_v2_json\"} 2"));
}

// A JSON body's DOM is charged to the memory budget while it is built: a body with room for
// itself but not for its DOM is answered "retry later", and the next one, with room, arrives.
TEST_F(ZipkinReceiverTest, JsonDomOverTheBudgetIsRetryLater) {
  StartWith(sink_);
  std::string many = "[";
  for (int i = 0; i < 50000; ++i) absl::StrAppend(&many, i > 0 ? "," : "", "{}");
  many += "]";  // 50,001 values: about 1.6 MB of DOM for 100 KB of body
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  budget.set_limit(budget.used() + many.size() * 3);
  for (const char* path : {"/api/v2/spans", "/api/v1/spans"}) {
    auto r = testing::HttpPost(receiver_->address(), path, "application/json", many);
    EXPECT_EQ(r.status, 429) << path << ": " << r.body;
    EXPECT_EQ(r.headers["retry-after"], "1") << path;
  }
  budget.set_limit(pipeline::MemoryBudget::kUnlimited);
  auto r = testing::HttpPost(receiver_->address(), "/api/v2/spans", "application/json", kJson);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(sink_.span_count(), 2u);
}

TEST(ZipkinReceiver, Conformance) {
  testing::RunReceiverConformance(Factory(), "endpoint: 127.0.0.1:0", [](pipeline::Component& r) {
    auto result = testing::HttpPost(static_cast<Receiver&>(r).address(), "/api/v2/spans",
                                    "application/json", kJson);
    return result.status == 202 ? absl::OkStatus()
                                : absl::UnavailableError(absl::StrCat(result.status));
  });
}

}  // namespace
}  // namespace weir::receivers::zipkin
