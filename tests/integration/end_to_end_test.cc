// Boots the real weir binary and checks that spans sent over every OTLP transport come out of
// the exporters exactly as sent, through shared receivers, several pipelines and fan-out.

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "tests/integration/harness.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

using ::testing::HasSubstr;

TEST(EndToEnd, EveryTransportDeliversSpanForSpan) {
  std::string dir = MakeTempDir("e2e");
  int health_port = FreePort();
  std::string config = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
      http:
        endpoint: 127.0.0.1:0
processors:
  batch:
    timeout: 50ms
    send_batch_size: 20
exporters:
  file:
    path: )" + dir + R"(/out.json
  file/proto:
    path: )" + dir + R"(/out.pb
    format: proto
  debug:
    verbosity: normal
extensions:
  health_check:
    endpoint: 127.0.0.1:)" +
                       std::to_string(health_port) + R"(
service:
  extensions: [health_check]
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [file, file/proto, debug]
)";
  std::string error;
  auto weir = WeirProcess::Start(dir, config, &error);
  ASSERT_TRUE(weir) << error;

  otlp::ExportRequest grpc_req = MakeRequest(2, 2, 5, 1);
  otlp::ExportRequest grpc_gzip_req = MakeRequest(1, 1, 7, 2);
  otlp::ExportRequest proto_req = MakeRequest(1, 3, 4, 3);
  otlp::ExportRequest json_req = MakeRequest(3, 1, 2, 4);
  otlp::ExportRequest gzip_req = MakeRequest(1, 1, 9, 5);
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), grpc_req, &response).ok());
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), grpc_gzip_req, &response, true).ok());
  EXPECT_EQ(HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                     proto_req.SerializeAsString())
                .status,
            200);
  std::string json;
  otlp::AppendRequestJson(json_req, &json);
  EXPECT_EQ(HttpPost(weir->HttpAddress(), "/v1/traces", "application/json", json).status, 200);
  EXPECT_EQ(HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                     net::Gzip(gzip_req.SerializeAsString()), {{"Content-Encoding", "gzip"}})
                .status,
            200);

  HttpResult health = HttpGet("127.0.0.1:" + std::to_string(health_port), "/");
  EXPECT_EQ(health.status, 200);
  HttpResult metrics = HttpGet(weir->MetricsAddress(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(
      metrics.body,
      HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"} 27"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"http\"} 27"));
  EXPECT_THAT(metrics.body, HasSubstr("otelcol_process_memory_rss"));

  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();

  otlp::ExportRequest sent;
  for (const auto* r : {&grpc_req, &grpc_gzip_req, &proto_req, &json_req, &gzip_req})
    sent.MergeFrom(*r);
  otlp::ExportRequest got = ReadJsonLines(dir + "/out.json");
  EXPECT_EQ(SpanKeys(got).size(), 54u);
  EXPECT_TRUE(SpanKeys(got) == SpanKeys(sent)) << "JSON file output differs from what was sent";

  std::ifstream pb(dir + "/out.pb", std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(pb)), std::istreambuf_iterator<char>());
  otlp::ExportRequest from_proto;
  for (size_t off = 0; off + 4 <= data.size();) {
    uint32_t len = (uint8_t(data[off]) << 24) | (uint8_t(data[off + 1]) << 16) |
                   (uint8_t(data[off + 2]) << 8) | uint8_t(data[off + 3]);
    otlp::ExportRequest r;
    ASSERT_TRUE(r.ParseFromString(data.substr(off + 4, len)));
    from_proto.MergeFrom(r);
    off += 4 + len;
  }
  EXPECT_TRUE(SpanKeys(from_proto) == SpanKeys(sent));
  EXPECT_THAT(weir->Stdout(), HasSubstr("GET /api/v1/items/"));
}

TEST(EndToEnd, PipelinesShareAReceiverAndFanOut) {
  std::string dir = MakeTempDir("pipelines");
  std::string config = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
  otlp/second:
    protocols:
      http:
        endpoint: 127.0.0.1:0
processors:
  batch:
    timeout: 10ms
exporters:
  file/a:
    path: )" + dir + R"(/a.json
  file/b1:
    path: )" + dir + R"(/b1.json
  file/b2:
    path: )" + dir + R"(/b2.json
  nop:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces/a:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/a]
    traces/b:
      receivers: [otlp, otlp/second]
      exporters: [file/b1, file/b2, nop]
)";
  std::string error;
  auto weir = WeirProcess::Start(dir, config, &error);
  ASSERT_TRUE(weir) << error;
  otlp::ExportRequest shared = MakeRequest(1, 2, 3, 11);
  otlp::ExportRequest second_only = MakeRequest(1, 1, 4, 12);
  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), shared, &response).ok());
  EXPECT_EQ(HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                     second_only.SerializeAsString())
                .status,
            200);
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();

  otlp::ExportRequest both = shared;
  both.MergeFrom(second_only);
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/a.json")) == SpanKeys(shared));
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/b1.json")) == SpanKeys(both));
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/b2.json")) == SpanKeys(both));
}

TEST(EndToEnd, SlowExporterDoesNotStallTheOthers) {
  std::string dir = MakeTempDir("slow");
  // The otlp exporter points at a port where nothing listens and has a tiny queue; the file
  // exporter beside it must still get every span.
  std::string config = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
exporters:
  file:
    path: )" + dir + R"(/out.json
  otlp:
    endpoint: 127.0.0.1:)" +
                       std::to_string(FreePort()) + R"(
    tls:
      insecure: true
    timeout: 2s
    sending_queue:
      queue_size: 2
      num_consumers: 1
service:
  shutdown_timeout: 3s
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces/file:
      receivers: [otlp]
      exporters: [file]
    traces/otlp:
      receivers: [otlp]
      exporters: [otlp]
)";
  std::string error;
  auto weir = WeirProcess::Start(dir, config, &error);
  ASSERT_TRUE(weir) << error;
  otlp::ExportRequest all;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    otlp::ExportRequest r = MakeRequest(1, 1, 3, 100 + i);
    otlp::ExportResponse response;
    (void)GrpcExport(weir->GrpcAddress(), r, &response);  // may be refused: otlp queue full
    all.MergeFrom(r);
  }
  // Ten requests took far less than one otlp timeout each.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  HttpResult metrics = HttpGet(weir->MetricsAddress(), "/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("otelcol_exporter_enqueue_failed_spans{exporter=\"otlp\"}"));
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/out.json")) == SpanKeys(all));
}

}  // namespace
}  // namespace weir::testing
