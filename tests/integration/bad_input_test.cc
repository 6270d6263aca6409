// Bad requests against the real binary: each gets its answer, and the spans of the good
// requests around them all arrive.

#include <signal.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

TEST(BadInput, EachGetsItsAnswerAndCostsNoOtherData) {
  std::string dir = MakeTempDir("bad-input");
  std::string config = R"(
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:0
        max_recv_msg_size_mib: 1
      http:
        endpoint: 127.0.0.1:0
        max_request_body_size: 65536
exporters:
  file:
    path: )" + dir + R"(/out.json
service:
  telemetry:
    metrics:
      address: 127.0.0.1:0
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
)";
  std::string error;
  auto weir = WeirProcess::Start(dir, config, &error);
  ASSERT_TRUE(weir) << error;
  std::string http = weir->HttpAddress();
  otlp::ExportRequest good1 = MakeRequest(1, 1, 3, 1), good2 = MakeRequest(1, 1, 4, 2);
  otlp::ExportResponse response;

  ASSERT_EQ(
      HttpPost(http, "/v1/traces", "application/x-protobuf", good1.SerializeAsString()).status,
      200);

  EXPECT_EQ(HttpPost(http, "/v1/traces", "application/x-protobuf", "\x0a\x05\x0a\x03\xff").status,
            400);
  HttpResult bad_json = HttpPost(http, "/v1/traces", "application/json", "{\"resourceSpans\":[{]}");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_THAT(bad_json.body, ::testing::HasSubstr("invalid JSON"));
  HttpResult bad_id =
      HttpPost(http, "/v1/traces", "application/json",
               R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]})");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_THAT(bad_id.body, ::testing::HasSubstr("traceId"));
  EXPECT_EQ(HttpPost(http, "/v1/traces", "application/xml", "<spans/>").status, 415);
  EXPECT_EQ(HttpPost(http, "/v1/traces", "application/x-protobuf", std::string(70000, 'a')).status,
            413);
  EXPECT_EQ(HttpPost(http, "/v1/logs", "application/x-protobuf", good1.SerializeAsString()).status,
            404);
  EXPECT_EQ(HttpGet(http, "/v1/traces").status, 405);
  SendRawAndClose(http,
                  "POST /v1/traces HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-protobuf\r\n"
                  "Content-Length: 5000\r\n\r\n\x0a\x10half");
  SendRawAndClose(http, "GARBAGE / SPEAK\r\n\r\n");

  otlp::ExportRequest huge = MakeRequest(1, 1, 1, 9);
  huge.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(
      std::string(2 << 20, 'n'));
  EXPECT_EQ(GrpcExport(weir->GrpcAddress(), huge, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), good2, &response).ok());
  ASSERT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0) << weir->Log();

  otlp::ExportRequest want = good1;
  want.MergeFrom(good2);
  EXPECT_TRUE(SpanKeys(ReadJsonLines(dir + "/out.json")) == SpanKeys(want));
  // Refusals are logged, at a bounded rate.
  EXPECT_THAT(weir->Log(), ::testing::HasSubstr("malformed request"));
}

}  // namespace
}  // namespace weir::testing
