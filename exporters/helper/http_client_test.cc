// The pure parts of the HTTP client: ParseUrl and HttpErrorStatus. Posting itself is tested
// through the otlphttp exporter against a fake server (exporters/otlphttp/exporter_test.cc).
#include "exporters/helper/http_client.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "exporters/helper/sender.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace weir::exporters::helper {
namespace {

using ::testing::HasSubstr;

Url Parsed(const std::string& text) {
  Url url;
  std::string error;
  EXPECT_TRUE(ParseUrl(text, &url, &error)) << text << ": " << error;
  return url;
}

HttpResponse Answer(unsigned status, std::string body = "", std::string retry_after = "") {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::move(body);
  response.retry_after = std::move(retry_after);
  return response;
}

TEST(ParseUrl, SplitsSchemeHostPortAndTarget) {
  Url url = Parsed("https://[::1]:14268/api/traces?format=jaeger.thrift#frag");
  EXPECT_TRUE(url.https);
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 14268);
  EXPECT_EQ(url.target, "/api/traces?format=jaeger.thrift");
  EXPECT_EQ(url.text, "https://[::1]:14268/api/traces?format=jaeger.thrift#frag");
  url = Parsed("http://zipkin");
  EXPECT_FALSE(url.https);
  EXPECT_EQ(url.port, 80);
  EXPECT_EQ(url.target, "/");
}

TEST(ParseUrl, RejectsWhatItCannotPost) {
  for (const char* text :
       {"zipkin:9411", "http://:1", "http://h:0", "http://u:p@h", "http://h/a b"}) {
    Url url;
    std::string error;
    EXPECT_FALSE(ParseUrl(text, &url, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(HttpErrorStatus, TwoHundredsAreOk) {
  EXPECT_TRUE(HttpErrorStatus(Parsed("http://c:1/x"), Answer(202)).ok());
}

TEST(HttpErrorStatus, RetryableAnswersCarryTheRetryAfterDelay) {
  Url url = Parsed("http://c:1/x");
  absl::Status s = HttpErrorStatus(url, Answer(429, "slow down", "7"));
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_EQ(RetryDelayOf(s), absl::Seconds(7));
  EXPECT_EQ(s.message(), "http://c:1/x: HTTP 429 Too Many Requests: slow down");
  for (unsigned code : {502u, 503u, 504u}) {
    s = HttpErrorStatus(url, Answer(code));
    EXPECT_TRUE(absl::IsUnavailable(s)) << s;
    EXPECT_EQ(RetryDelayOf(s), std::nullopt) << s;
  }
  s = HttpErrorStatus(url, Answer(503, "", "not a delay"));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ(RetryDelayOf(s), std::nullopt) << s;
}

TEST(HttpErrorStatus, OtherAnswersArePermanent) {
  Url url = Parsed("http://c:1/x");
  EXPECT_TRUE(absl::IsUnimplemented(HttpErrorStatus(url, Answer(501))));
  EXPECT_TRUE(absl::IsInternal(HttpErrorStatus(url, Answer(500))));
  EXPECT_TRUE(absl::IsInternal(HttpErrorStatus(url, Answer(505))));
  EXPECT_TRUE(absl::IsInvalidArgument(HttpErrorStatus(url, Answer(301))));
  // Retry-After is honoured only where a retry is allowed.
  absl::Status s = HttpErrorStatus(url, Answer(400, "bad\r\nspan", "5"));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(RetryDelayOf(s), std::nullopt);
  EXPECT_THAT(s.message(), HasSubstr("HTTP 400 Bad Request: bad  span"));
}

TEST(HttpClient, PostFailsBeforeStart) {
  HttpClient client("jaeger", Parsed("http://127.0.0.1:1/api/traces"), config::TlsClientConfig{});
  auto response = client.Post("application/x-thrift", "body", {}, absl::InfiniteFuture());
  EXPECT_TRUE(absl::IsFailedPrecondition(response.status())) << response.status();
  EXPECT_EQ(client.url().target, "/api/traces");
  client.Shutdown();
}

}  // namespace
}  // namespace weir::exporters::helper
