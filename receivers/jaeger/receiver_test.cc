// Tests of the `jaeger` receiver: config, the conformance suite, and each protocol end to end
// into a sink (agent datagrams in compact and binary Thrift, Thrift over HTTP, gRPC PostSpans),
// with bad input, pushback and the UDP drop counters.
#include "receivers/jaeger/receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "jaeger/api_v2/collector.grpc.pb.h"
#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/net/compression.h"
#include "receivers/jaeger/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"

namespace weir::receivers::jaeger {
namespace {

using ::testing::HasSubstr;
namespace thrift = weir::jaeger::thrift;

constexpr char kLoopbackConfig[] = R"(
protocols:
  grpc:
    endpoint: 127.0.0.1:0
  thrift_http:
    endpoint: 127.0.0.1:0
  thrift_compact:
    endpoint: 127.0.0.1:0
  thrift_binary:
    endpoint: 127.0.0.1:0
    max_packet_size: 2000
)";

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "receivers.jaeger", &d));
  if (out) *out = std::move(cfg);
  return d;
}

TEST(JaegerReceiverConfig, DefaultsMatchOtelcol) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(
      Decode("protocols: {grpc: {}, thrift_http: {}, thrift_compact: {}, thrift_binary: {}}", &cfg)
          .ok());
  EXPECT_EQ(cfg->grpc->endpoint, "localhost:14250");
  EXPECT_EQ(cfg->thrift_http->endpoint, "localhost:14268");
  EXPECT_EQ(cfg->thrift_compact->endpoint, "localhost:6831");
  EXPECT_EQ(cfg->thrift_binary->endpoint, "localhost:6832");
  EXPECT_EQ(cfg->thrift_compact->queue_size, 1000);
  EXPECT_EQ(cfg->thrift_compact->max_packet_size, 65000);
  EXPECT_EQ(cfg->thrift_compact->workers, 10);
  EXPECT_EQ(cfg->thrift_compact->socket_buffer_size, 0);
  EXPECT_EQ(cfg->ListenEndpoints(),
            (std::vector<std::string>{"localhost:14250", "localhost:14268"}));
}

TEST(JaegerReceiverConfig, EachRuleFails) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"protocols: {}", "receivers.jaeger.protocols"},
      {"protocols: {thrift_compact: {queue_size: 0}}",
       "receivers.jaeger.protocols.thrift_compact.queue_size"},
      {"protocols: {thrift_binary: {max_packet_size: 70000}}",
       "receivers.jaeger.protocols.thrift_binary.max_packet_size"},
      {"protocols: {thrift_binary: {workers: 0}}",
       "receivers.jaeger.protocols.thrift_binary.workers"},
      {"protocols: {thrift_binary: {socket_buffer_size: -1}}",
       "receivers.jaeger.protocols.thrift_binary.socket_buffer_size"},
      {"protocols: {thrift_compact: {endpoint: nohost}}",
       "receivers.jaeger.protocols.thrift_compact.endpoint"},
      {"protocols: {grpc: {max_recv_msg_size_mib: 0}}",
       "receivers.jaeger.protocols.grpc.max_recv_msg_size_mib"},
      {"protocols: {thrift_http: {max_request_body_size: 0}}",
       "receivers.jaeger.protocols.thrift_http.max_request_body_size"},
      {"protocols: {thrift_udp: {}}", "receivers.jaeger.protocols.thrift_udp"},
      {"protocols: {thrift_compact: {bogus: 1}}",
       "receivers.jaeger.protocols.thrift_compact.bogus"},
  };
  for (const Case& c : cases) {
    config::Diagnostics d = Decode(c.yaml);
    ASSERT_FALSE(d.ok()) << c.yaml;
    bool found = false;
    for (const auto& p : d.problems()) found = found || p.path == c.path;
    EXPECT_TRUE(found) << c.yaml << "\n" << d.ToString();
  }
}

// A batch of `spans` spans of service "legacy", with every tag type and a log.
thrift::Batch MakeThriftBatch(int spans, int64_t trace_low = 0x1122) {
  thrift::Batch b;
  b.process.serviceName = "legacy";
  thrift::Tag host;
  host.key = "hostname";
  host.vType = thrift::TagType::STRING;
  host.__set_vStr("box-1");
  b.process.__set_tags({host});
  for (int i = 0; i < spans; ++i) {
    thrift::Span s;
    s.traceIdHigh = 7;
    s.traceIdLow = trace_low;
    s.spanId = 100 + i;
    s.parentSpanId = i == 0 ? 0 : 100;
    s.operationName = absl::StrCat("op-", i);
    s.flags = 1;
    s.startTime = 1700000000000000 + i;
    s.duration = 250;
    thrift::Tag kind, err, num;
    kind.key = "span.kind";
    kind.vType = thrift::TagType::STRING;
    kind.__set_vStr("server");
    err.key = "error";
    err.vType = thrift::TagType::BOOL;
    err.__set_vBool(i % 2 == 1);
    num.key = "http.status_code";
    num.vType = thrift::TagType::LONG;
    num.__set_vLong(200);
    s.__set_tags({kind, err, num});
    thrift::Log log;
    log.timestamp = s.startTime + 10;
    thrift::Tag event;
    event.key = "event";
    event.vType = thrift::TagType::STRING;
    event.__set_vStr("cache-miss");
    log.fields = {event};
    s.__set_logs({log});
    b.spans.push_back(s);
  }
  return b;
}

// Checks what the sink got for MakeThriftBatch(spans).
void ExpectTranslated(testing::SinkConsumer& sink, int spans) {
  ASSERT_TRUE(sink.WaitForSpans(spans, std::chrono::seconds(10)));
  weir::otlp::ExportRequest got = sink.Merged().ToRequest();
  ASSERT_GE(got.resource_spans_size(), 1);  // one per request
  const auto& rs = got.resource_spans(0);
  ASSERT_GE(rs.resource().attributes_size(), 2);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "legacy");
  EXPECT_EQ(rs.resource().attributes(1).key(), "host.name");
  const auto& span = rs.scope_spans(0).spans(1);
  EXPECT_EQ(span.name(), "op-1");
  EXPECT_EQ(span.kind(), weir::otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.status().code(), weir::otlp::SpanStatus::STATUS_CODE_ERROR);
  EXPECT_EQ(span.start_time_unix_nano(), 1700000000000001000u);
  EXPECT_EQ(span.end_time_unix_nano(), 1700000000000251000u);
  EXPECT_EQ(span.trace_id(), std::string("\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\x11\x22", 16));
  EXPECT_EQ(span.parent_span_id(), std::string("\0\0\0\0\0\0\0\x64", 8));
  EXPECT_EQ(span.flags(), 1u);
  ASSERT_EQ(span.events_size(), 1);
  EXPECT_EQ(span.events(0).name(), "cache-miss");
}

int SendDatagram(const std::string& address, const std::string& bytes) {
  const size_t colon = address.rfind(':');
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ssize_t n =
      ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  ::close(fd);
  return static_cast<int>(n);
}

class JaegerReceiverTest : public ::testing::Test {
 protected:
  void StartWith(pipeline::TracesConsumer& next, const std::string& yaml = kLoopbackConfig) {
    std::unique_ptr<Config> cfg;
    auto d = Decode(yaml, &cfg);
    ASSERT_TRUE(d.ok()) << d.ToString();
    receiver_ = std::make_unique<Receiver>(env_.SettingsFor("jaeger"), *cfg, next);
    ASSERT_TRUE(receiver_->Start(host_).ok());
  }
  void TearDown() override {
    if (receiver_) receiver_->Shutdown(absl::Now() + absl::Seconds(5));
  }
  std::string Metrics() { return env_.telemetry.Scrape(); }
  // Waits until the scrape contains `text`.
  bool WaitForMetric(const std::string& text) {
    for (int i = 0; i < 200; ++i) {
      if (absl::StrContains(Metrics(), text)) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  testing::SinkConsumer sink_;
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(JaegerReceiverTest, CompactDatagram) {
  StartWith(sink_);
  ASSERT_GT(SendDatagram(receiver_->compact_address(),
                         weir::jaeger::EncodeAgentDatagram(MakeThriftBatch(3),
                                                           weir::jaeger::ThriftProtocol::kCompact)),
            0);
  ExpectTranslated(sink_, 3);
  EXPECT_TRUE(WaitForMetric(
      "otelcol_receiver_accepted_spans{receiver=\"jaeger\",transport=\"udp_thrift_compact\"} 3"));
}

TEST_F(JaegerReceiverTest, BinaryDatagram) {
  StartWith(sink_);
  ASSERT_GT(SendDatagram(receiver_->binary_address(),
                         weir::jaeger::EncodeAgentDatagram(MakeThriftBatch(2),
                                                           weir::jaeger::ThriftProtocol::kBinary)),
            0);
  ExpectTranslated(sink_, 2);
}

TEST_F(JaegerReceiverTest, BadDatagramsAreDroppedAndCountedAndTheServerGoesOn) {
  StartWith(sink_);
  const std::string good =
      weir::jaeger::EncodeAgentDatagram(MakeThriftBatch(2), weir::jaeger::ThriftProtocol::kBinary);
  SendDatagram(receiver_->binary_address(), good.substr(0, good.size() / 2));  // truncated
  SendDatagram(receiver_->binary_address(), "not thrift at all");
  SendDatagram(receiver_->binary_address(), std::string(3000, 'x'));  // over max_packet_size
  // The compact port given binary Thrift.
  SendDatagram(receiver_->compact_address(), good);
  EXPECT_TRUE(WaitForMetric(
      "weir_receiver_udp_dropped_datagrams{reason=\"too_large\",receiver=\"jaeger\",transport="
      "\"udp_thrift_binary\"} 1"))
      << Metrics();
  EXPECT_TRUE(WaitForMetric(
      "weir_receiver_udp_dropped_datagrams{reason=\"malformed\",receiver=\"jaeger\",transport="
      "\"udp_thrift_binary\"} 2"))
      << Metrics();
  EXPECT_TRUE(WaitForMetric(
      "weir_receiver_udp_dropped_datagrams{reason=\"malformed\",receiver=\"jaeger\",transport="
      "\"udp_thrift_compact\"} 1"))
      << Metrics();
  SendDatagram(receiver_->binary_address(), good);
  ExpectTranslated(sink_, 2);
}

TEST_F(JaegerReceiverTest, ThriftHttp) {
  StartWith(sink_);
  auto r = testing::HttpPost(receiver_->http_address(), "/api/traces", "application/x-thrift",
                             weir::jaeger::EncodeBatch(MakeThriftBatch(4)));
  EXPECT_EQ(r.status, 202) << r.body;
  ExpectTranslated(sink_, 4);
  EXPECT_THAT(Metrics(), HasSubstr("otelcol_receiver_accepted_spans{receiver=\"jaeger\","
                                   "transport=\"collector_http\"} 4"));
}

TEST_F(JaegerReceiverTest, ThriftHttpGzipAndTheOtherContentType) {
  StartWith(sink_);
  auto r = testing::HttpPost(
      receiver_->http_address(), "/api/traces", "application/vnd.apache.thrift.binary",
      net::Gzip(weir::jaeger::EncodeBatch(MakeThriftBatch(2)), -1), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 202) << r.body;
  ExpectTranslated(sink_, 2);
}

TEST_F(JaegerReceiverTest, ThriftHttpBadInput) {
  StartWith(sink_);
  const std::string body = weir::jaeger::EncodeBatch(MakeThriftBatch(1));
  auto r = testing::HttpPost(receiver_->http_address(), "/api/traces", "application/json", body);
  EXPECT_EQ(r.status, 415);
  r = testing::HttpPost(receiver_->http_address(), "/api/spans", "application/x-thrift", body);
  EXPECT_EQ(r.status, 404);
  r = testing::HttpPost(receiver_->http_address(), "/api/traces", "application/x-thrift",
                        body.substr(0, body.size() - 3));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("cannot read the Thrift Batch"));
  r = testing::HttpPost(receiver_->http_address(), "/api/traces", "application/x-thrift", "garbage",
                        {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(sink_.span_count(), 0u);
}

TEST_F(JaegerReceiverTest, PipelineRefusalIsRetryLater) {
  testing::FailingConsumer refusing(absl::UnavailableError("exporter queue full"));
  StartWith(refusing);
  auto r = testing::HttpPost(receiver_->http_address(), "/api/traces", "application/x-thrift",
                             weir::jaeger::EncodeBatch(MakeThriftBatch(2)));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");

  auto channel = grpc::CreateChannel(receiver_->grpc_address(), grpc::InsecureChannelCredentials());
  auto stub = ::jaeger::api_v2::CollectorService::NewStub(channel);
  ::jaeger::api_v2::PostSpansRequest request;
  weir::jaeger::ThriftToModel(MakeThriftBatch(2), request.mutable_batch());
  ::jaeger::api_v2::PostSpansResponse response;
  grpc::ClientContext context;
  grpc::Status s = stub->PostSpans(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_FALSE(s.error_details().empty());  // RetryInfo
}

TEST_F(JaegerReceiverTest, GrpcPostSpans) {
  StartWith(sink_);
  auto channel = grpc::CreateChannel(receiver_->grpc_address(), grpc::InsecureChannelCredentials());
  auto stub = ::jaeger::api_v2::CollectorService::NewStub(channel);
  ::jaeger::api_v2::PostSpansRequest request;
  weir::jaeger::ThriftToModel(MakeThriftBatch(3), request.mutable_batch());
  for (bool gzip : {false, true}) {
    ::jaeger::api_v2::PostSpansResponse response;
    grpc::ClientContext context;
    if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    grpc::Status s = stub->PostSpans(&context, request, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ExpectTranslated(sink_, 6);
  EXPECT_THAT(Metrics(), HasSubstr("otelcol_receiver_accepted_spans{receiver=\"jaeger\","
                                   "transport=\"grpc\"} 6"));

  // Ids of a wrong length are refused.
  request.mutable_batch()->mutable_spans(0)->set_span_id("abc");
  ::jaeger::api_v2::PostSpansResponse response;
  grpc::ClientContext context;
  grpc::Status s = stub->PostSpans(&context, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("spans[0].span_id: 3 bytes"));
}

TEST(JaegerReceiver, Conformance) {
  testing::RunReceiverConformance(
      Factory(), "protocols: {thrift_http: {endpoint: 127.0.0.1:0}}", [](pipeline::Component& r) {
        auto& receiver = static_cast<Receiver&>(r);
        auto result =
            testing::HttpPost(receiver.http_address(), "/api/traces", "application/x-thrift",
                              weir::jaeger::EncodeBatch(MakeThriftBatch(2)));
        return result.status == 202 ? absl::OkStatus()
                                    : absl::UnavailableError(absl::StrCat(result.status));
      });
}

}  // namespace
}  // namespace weir::receivers::jaeger
