// Tests of the `otlphttp` exporter against a fake OTLP/HTTP backend that does not simply accept:
// partial success, OTLP refusals and other status codes, error bodies, silence, a closed port
// and failed TLS handshakes. What comes back from ConsumeTraces, what the backend saw and what
// the metrics count.
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "exporters/otlphttp/exporter_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/consumer.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/partial_success.h"
#include "pipeline/otlp/rpc_status.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"
#include "tests/testing/fake_otlp_http_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/span_generator.h"

namespace weir::exporters::otlphttp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using weir::otlp::ResponseEncoding;
using weir::testing::FakeServerTls;
using weir::testing::MakeBatch;
using weir::testing::MakeRequest;

// ---- Partial success ----

TEST_F(OtlpHttpExporterTest, PartialSuccessStillCountsEverySpanAsSent) {
  // The backend rejects the span with an all-zero span id and says so in partial_success, in
  // JSON as the request was.
  weir::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(1);
  response.mutable_partial_success()->set_error_message("invalid span id");
  FakeServer server(FakeServer::Answer(response, ResponseEncoding::kJson));
  StartExporter(server.url(), "encoding: json\n");
  weir::otlp::ExportRequest request = MakeRequest(1, 1, 4);
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(2)->set_span_id(
      std::string(8, '\0'));
  absl::Status s = exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request));
  EXPECT_TRUE(s.ok()) << s;
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.span_count(), 4u);  // forwarded as it came, the bad span included
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 4);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
}

TEST_F(OtlpHttpExporterTest, PartialSuccessAnswersAreOk) {
  weir::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(1);
  response.mutable_partial_success()->set_error_message("span too old");
  FakeServer proto_server(FakeServer::Answer(response));
  StartExporter(proto_server.url());
  EXPECT_TRUE(exporter_->ConsumeTraces(MakeBatch(3)).ok());
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));

  FakeServer json_server(FakeServer::Answer(response, ResponseEncoding::kJson));
  StartExporter(json_server.url(), "encoding: json\n");
  EXPECT_TRUE(exporter_->ConsumeTraces(MakeBatch(3)).ok());
  EXPECT_EQ(proto_server.span_count() + json_server.span_count(), 6u);
}

// ---- Refusals and other answers ----

TEST_F(OtlpHttpExporterTest, RefusingBackendGivesUnavailable) {
  FakeServer server(FakeServer::Refusal(503, weir::otlp::kRpcUnavailable, "pipeline is full", "1"));
  StartExporter(server.url());
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(7));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("503"));
  EXPECT_THAT(s.message(), HasSubstr("pipeline is full"));
  ASSERT_EQ(server.requests().size(), 1u);  // no queue: one attempt, the caller retries
  EXPECT_EQ(server.span_count(), 7u);
  // Refused to the caller, which still holds the spans: nothing dropped here.
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 0);
}

TEST_F(OtlpHttpExporterTest, OtlpRefusalsKeepTheirMeaningAndMessage) {
  struct Case {
    unsigned status;
    int rpc_code;
    std::string message;
    std::string retry_after;
    ResponseEncoding encoding;
    absl::StatusCode code;
  } cases[] = {
      {503, weir::otlp::kRpcUnavailable, "pipeline is full", "1", ResponseEncoding::kProto,
       absl::StatusCode::kUnavailable},
      {429, weir::otlp::kRpcResourceExhausted, "memory limit", "2", ResponseEncoding::kProto,
       absl::StatusCode::kResourceExhausted},
      {400, weir::otlp::kRpcInvalidArgument, "no thanks", "", ResponseEncoding::kProto,
       absl::StatusCode::kInvalidArgument},
      {503, weir::otlp::kRpcUnavailable, "pipeline is full", "1", ResponseEncoding::kJson,
       absl::StatusCode::kUnavailable},
      {400, weir::otlp::kRpcInvalidArgument, "no thanks", "", ResponseEncoding::kJson,
       absl::StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    bool json = c.encoding == ResponseEncoding::kJson;
    FakeServer server(
        FakeServer::Refusal(c.status, c.rpc_code, c.message, c.retry_after, c.encoding));
    StartExporter(server.url(), json ? "encoding: json\n" : "");
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
    EXPECT_EQ(s.code(), c.code) << c.status << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("HTTP ", c.status)));
    EXPECT_THAT(s.message(), HasSubstr(c.message));
    EXPECT_EQ(server.requests().size(), 1u) << c.status;
    exporter_->Shutdown(absl::Now() + absl::Seconds(1));
    exporter_.reset();
  }
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 0);
}

TEST_F(OtlpHttpExporterTest, StatusCodesMapToRetryableOrPermanentErrors) {
  // The OTLP/HTTP specification retries 429, 502, 503 and 504, and nothing else.
  struct Case {
    unsigned status;
    absl::StatusCode code;
    bool retryable;
  } cases[] = {
      {429, absl::StatusCode::kResourceExhausted, true},
      {502, absl::StatusCode::kUnavailable, true},
      {503, absl::StatusCode::kUnavailable, true},
      {504, absl::StatusCode::kUnavailable, true},
      {500, absl::StatusCode::kInternal, false},
      {501, absl::StatusCode::kUnimplemented, false},
      {505, absl::StatusCode::kInternal, false},
      {507, absl::StatusCode::kInternal, false},
      {400, absl::StatusCode::kInvalidArgument, false},
      {401, absl::StatusCode::kInvalidArgument, false},
      {404, absl::StatusCode::kInvalidArgument, false},
      {413, absl::StatusCode::kInvalidArgument, false},
  };
  for (const Case& c : cases) {
    FakeServer server(
        FakeServer::Reply{.status = c.status, .content_type = "text/plain", .body = "nope\n"});
    StartExporter(server.url());
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
    EXPECT_EQ(s.code(), c.code) << c.status << ": " << s;
    EXPECT_EQ(pipeline::IsRetryable(s), c.retryable) << c.status;
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(server.url(), "/v1/traces: HTTP ", c.status)));
    EXPECT_THAT(s.message(), HasSubstr(": nope"));
    exporter_->Shutdown(absl::Now() + absl::Seconds(1));
    exporter_.reset();
  }
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 0);
}

TEST_F(OtlpHttpExporterTest, ErrorMessagesQuoteAtMost200BytesOfTheBody) {
  FakeServer server(FakeServer::Reply{
      .status = 400, .content_type = "text/plain", .body = std::string(500, 'x')});
  StartExporter(server.url());
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(std::string(200, 'x')));
  EXPECT_THAT(s.message(), Not(HasSubstr(std::string(201, 'x'))));
}

TEST_F(OtlpHttpExporterTest, ErrorMessagesShowTheRpcStatusOfAProtobufBody) {
  FakeServer server(FakeServer::Refusal(400, weir::otlp::kRpcInvalidArgument, "bad trace id"));
  StartExporter(server.url());
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("HTTP 400 Bad Request: bad trace id"));
}

// ---- Retries through the queue, on the fake clock ----

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

constexpr char kRetryOneSecond[] =
    "retry_on_failure: {initial_interval: 1s, randomization_factor: 0, max_interval: 1s}\n";

class OtlpHttpRetryTest : public OtlpHttpExporterTest {
 protected:
  void Advance(absl::Duration d) { env_.clock.Advance(absl::ToChronoNanoseconds(d)); }
  // Waits until `server` has read `requests` requests and the exporter waits to retry.
  bool WaitForRetryWait(const FakeServer& server, size_t requests) {
    return WaitUntil(
        [&] { return server.requests().size() == requests && env_.clock.pending_timers() == 1; });
  }
};

TEST_F(OtlpHttpRetryTest, RetryAfterSecondsDecidesTheNextAttempt) {
  FakeServer server(FakeServer::Refusal(503, weir::otlp::kRpcUnavailable, "busy", "7"));
  StartQueuedExporter(server.url(), kRetryOneSecond);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(3)).ok());
  ASSERT_TRUE(WaitForRetryWait(server, 1));
  server.set_reply(FakeServer::Reply{});
  Advance(absl::Seconds(1));  // the backoff alone would retry now
  Advance(absl::Seconds(6) - absl::Nanoseconds(1));
  EXPECT_EQ(env_.clock.pending_timers(), 1u);
  EXPECT_EQ(server.requests().size(), 1u);
  Advance(absl::Nanoseconds(1));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 3; }));
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
}

TEST_F(OtlpHttpRetryTest, RetryAfterHttpDateDecidesTheNextAttempt) {
  // 31 s ahead, so that the whole seconds of an HTTP date leave at least 30 s.
  std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now() + absl::Seconds(31),
                                      absl::UTCTimeZone());
  FakeServer server(FakeServer::Refusal(429, weir::otlp::kRpcResourceExhausted, "busy", date));
  StartQueuedExporter(server.url(), kRetryOneSecond);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(2)).ok());
  ASSERT_TRUE(WaitForRetryWait(server, 1));
  server.set_reply(FakeServer::Reply{});
  Advance(absl::Seconds(29));
  EXPECT_EQ(env_.clock.pending_timers(), 1u);
  EXPECT_EQ(server.requests().size(), 1u);
  Advance(absl::Seconds(2));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 2; }));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(OtlpHttpRetryTest, WithoutRetryAfterTheBackoffDecides) {
  FakeServer server(FakeServer::Reply{.status = 502, .content_type = "text/plain"});
  StartQueuedExporter(server.url(), kRetryOneSecond);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(2)).ok());
  ASSERT_TRUE(WaitForRetryWait(server, 1));
  server.set_reply(FakeServer::Reply{});
  Advance(absl::Seconds(1));
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_sent_spans") == 2; }));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(OtlpHttpRetryTest, InternalServerErrorIsDroppedWithoutRetry) {
  FakeServer server(FakeServer::Reply{.status = 500, .content_type = "text/plain"});
  StartQueuedExporter(server.url(), kRetryOneSecond);
  ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(4)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Metric("otelcol_exporter_send_failed_spans") == 4; }));
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(env_.clock.pending_timers(), 0u);
}

// ---- No answer ----

TEST_F(OtlpHttpExporterTest, SilentServerFailsWithDeadlineExceededAtTheTimeout) {
  FakeServer server(FakeServer::Reply{.answer = false});
  StartExporter(server.url(), "timeout: 300ms\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(3));
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(server.url()));
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Milliseconds(300) + absl::Seconds(2));
  // The timed-out connection is not reused: the next send opens a new one.
  EXPECT_FALSE(exporter_->ConsumeTraces(MakeBatch(1)).ok());
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(OtlpHttpExporterTest, ClosedPortFailsFastAsUnavailableNamingTheUrl) {
  std::string url = absl::StrCat("http://127.0.0.1:", testing::FreePort());
  StartExporter(url, "timeout: 3s\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(4));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(url, "/v1/traces")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

// ---- Failed TLS ----

TEST_F(OtlpHttpExporterTest, TlsAgainstAPlaintextServerFails) {
  FakeServer server;
  std::string https = "https" + server.url().substr(4);
  StartExporter(https, "timeout: 3s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
  EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("TLS handshake"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(OtlpHttpExporterTest, TlsRefusesAnUntrustedServer) {
  FakeServer server(FakeServerTls::kServer);
  StartExporter(absl::StrCat("https://localhost:", server.port()), "timeout: 3s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("TLS handshake"));
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace weir::exporters::otlphttp
