// HttpServer over raw loopback sockets: request framing (pipelining, chunked bodies, strict
// Transfer-Encoding handling), error answers, exceptions, TLS and shutdown. Limits, timeouts
// and the memory budget are in http_server_limits_test.cc.
#include "pipeline/net/http_server.h"

#include <stdexcept>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "pipeline/notification.h"
#include "boost/beast/http/status.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/net/http_test_client.h"
#include "pipeline/net/tls.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/test_certificate.h"

namespace weir::net {
namespace {

using testing::Get;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Post;
using testing::RawClient;
using testing::RawResponse;
using testing::TestServer;

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  TestServer server;
  RawClient client(server.address());
  ASSERT_TRUE(client.Send(Post("/a", "one") + Get("/b") + Post("/c", std::string(100000, 'x'))));
  std::optional<RawResponse> a = client.ReadResponse();
  std::optional<RawResponse> b = client.ReadResponse();
  std::optional<RawResponse> c = client.ReadResponse();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->body, "POST /a one");
  EXPECT_EQ(b->body, "GET /b ");
  EXPECT_EQ(c->body, "POST /c " + std::string(100000, 'x'));
  EXPECT_EQ(c->header("connection"), "");  // still keep-alive
  // The connection still serves.
  ASSERT_TRUE(client.Send(Get("/d")));
  std::optional<RawResponse> d = client.ReadResponse();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->body, "GET /d ");
}

TEST(HttpServer, ChunkedBodyArrivingInPiecesIsReassembled) {
  TestServer server;
  RawClient client(server.address());
  ASSERT_TRUE(
      client.Send("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhel"));
  ASSERT_TRUE(client.Send("lo\r\n6;ext=1\r\n world\r\n"));
  ASSERT_TRUE(client.Send("0\r\n\r\n" + Get("/after")));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /chunked hello world");
  std::optional<RawResponse> after = client.ReadResponse();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body, "GET /after ");
}

TEST(HttpServer, ExpectContinueGetsInterimAnswerBeforeTheBody) {
  TestServer server;
  RawClient client(server.address());
  ASSERT_TRUE(
      client.Send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  std::optional<RawResponse> interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.Send("body"));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "POST /x body");
}

// Anything the server cannot frame exactly is refused and the connection closed, so what
// follows is never parsed as a request of its own (request smuggling).
struct FramingCase {
  std::string name;
  std::string head;  // request line and fields, without the blank line
  int status;
};

class HttpServerFraming : public ::testing::TestWithParam<FramingCase> {};

TEST_P(HttpServerFraming, RefusedClosedAndNothingSmuggled) {
  TestServer server;
  RawClient client(server.address());
  const std::string smuggled = Get("/smuggled");
  ASSERT_TRUE(client.Send(GetParam().head + "\r\n\r\n" + "0\r\n\r\n" + smuggled));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, GetParam().status);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(client.ReadToEnd(), RawClient::End::kClosed);
  EXPECT_EQ(server.calls(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    TransferEncoding, HttpServerFraming,
    ::testing::Values(
        FramingCase{"identity", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity", 501},
        FramingCase{"gzip", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip", 501},
        FramingCase{"chunked_identity",
                    "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity", 501},
        FramingCase{"gzip_chunked",
                    "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked", 501},
        FramingCase{"gzip_then_length",
                    "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\nContent-Length: 5",
                    400},
        FramingCase{"length_then_chunked",
                    "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked",
                    400},
        FramingCase{"chunked_then_length",
                    "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 5",
                    400},
        FramingCase{"chunked_twice",
                    "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: chunked",
                    400},
        FramingCase{"http10_chunked", "POST / HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked",
                    400},
        FramingCase{"two_lengths",
                    "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6", 400},
        FramingCase{"bad_length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5x", 400},
        FramingCase{"http2_version", "GET / HTTP/2.0\r\nHost: t", 505},
        FramingCase{"garbage", "\x16\x03\x01 not http", 400}),
    [](const ::testing::TestParamInfo<FramingCase>& info) { return info.param.name; });

TEST(HttpServer, TrailerFieldsAreRefused) {
  TestServer server;
  RawClient client(server.address());
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3\r\nabc\r\n0\r\nContent-Encoding: gzip\r\n\r\n"));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(server.calls(), 0);
}

TEST(HttpServer, OversizedHeaderGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 8 << 10;
  TestServer server(options);
  RawClient client(server.address());
  ASSERT_TRUE(client.Send(Get("/", "X-Big: " + std::string(20 << 10, 'a') + "\r\n")));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(client.ReadToEnd(), RawClient::End::kClosed);
  // Many small fields add up the same way.
  RawClient many(server.address());
  std::string fields;
  for (int i = 0; i < 400; ++i) absl::StrAppend(&fields, "X-F", i, ": 0123456789abcdef\r\n");
  ASSERT_TRUE(many.Send(Get("/", fields)));
  r = many.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(server.calls(), 0);
}

TEST(HttpServer, BodyOverLimitGets413DeclaredOrChunked) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  TestServer server(options);
  RawClient declared(server.address());
  ASSERT_TRUE(declared.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n"));
  std::optional<RawResponse> r = declared.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  RawClient chunked(server.address());
  ASSERT_TRUE(
      chunked.Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "200\r\n" +
                   std::string(512, 'a') + "\r\n" + "200\r\n"));
  r = chunked.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(server.calls(), 0);
}

TEST(HttpServer, HandlerExceptionGets500AndTheServerKeepsServing) {
  TestServer server({}, [](HttpRequest& request, absl::string_view) -> HttpResponse {
    if (request.target() == "/throw") throw std::runtime_error("boom");
    if (request.target() == "/oom") throw std::bad_alloc();
    return MakeHttpResponse(request, boost::beast::http::status::ok, "text/plain", "fine");
  });
  for (const char* target : {"/throw", "/oom"}) {
    RawClient client(server.address());
    ASSERT_TRUE(client.Send(Get(target)));
    std::optional<RawResponse> r = client.ReadResponse();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(client.ReadToEnd(), RawClient::End::kClosed);
  }
  RawClient client(server.address());
  ASSERT_TRUE(client.Send(Get("/ok")));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "fine");
}

TEST(HttpServer, PlaintextRequestOnTlsPortGets400) {
  const auto& cert = weir::testing::SelfSignedCertificate();
  config::TlsServerConfig tls;
  tls.cert_file = cert.cert_file;
  tls.key_file = cert.key_file;
  auto context = MakeServerTlsContext(tls);
  ASSERT_TRUE(context.ok()) << context.status();
  HttpServerOptions options;
  options.tls = *context;
  TestServer server(options);
  RawClient plain(server.address());
  ASSERT_TRUE(plain.Send(Post("/v1/traces", "spans")));
  std::optional<RawResponse> r = plain.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->body, HasSubstr("HTTPS"));
  EXPECT_EQ(plain.ReadToEnd(), RawClient::End::kClosed);
  // TLS clients are served as before.
  weir::testing::HttpResult https =
      weir::testing::HttpsPost(server.address(), "/x", "text/plain", "hi", cert.cert_pem);
  EXPECT_EQ(https.status, 200) << https.error;
  EXPECT_EQ(https.body, "POST /x hi");
  EXPECT_EQ(server.calls(), 1);
}

// A handler that blocks until released, to shut down while it runs.
struct SlowHandler {
  pipeline::Notification entered;
  pipeline::Notification release;
  std::atomic<bool> returned{false};

  HttpPeerHandler Handler() {
    return [this](HttpRequest& request, absl::string_view) {
      if (request.target() == "/slow") {
        entered.Notify();
        release.WaitForNotification();
        returned = true;
      }
      return MakeHttpResponse(request, boost::beast::http::status::ok, "text/plain", "done");
    };
  }
};

TEST(HttpServer, ShutdownWaitsForTheRequestInProgressAndRunsNoHandlerAfterItBegan) {
  SlowHandler slow_handler;
  TestServer server({}, slow_handler.Handler());
  RawClient other(server.address());
  ASSERT_TRUE(other.Send(Get("/first")));
  ASSERT_TRUE(other.ReadResponse());
  RawClient slow(server.address());
  ASSERT_TRUE(slow.Send(Get("/slow")));
  ASSERT_TRUE(slow_handler.entered.WaitForNotificationWithTimeout(absl::Seconds(5)));

  std::atomic<bool> shutdown_returned{false};
  std::thread shutdown([&] {
    server.server().Shutdown(absl::Now() + absl::Seconds(30));
    shutdown_returned = true;
  });
  // The port closes at once...
  EXPECT_TRUE(testing::WaitFor([&] { return !testing::CanConnect(server.address()); }));
  // ...and a request on a connection that was already open gets 503, not the handler.
  ASSERT_TRUE(other.Send(Get("/late")));
  std::optional<RawResponse> late = other.ReadResponse();
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 503);
  EXPECT_EQ(late->header("retry-after"), "1");
  EXPECT_FALSE(shutdown_returned);

  slow_handler.release.Notify();
  shutdown.join();
  std::optional<RawResponse> r = slow.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_THAT(server.targets(), ::testing::ElementsAre("/first", "/slow"));
}

TEST(HttpServer, ShutdownPastItsDeadlineStillWaitsForARunningHandler) {
  SlowHandler slow_handler;
  TestServer server({}, slow_handler.Handler());
  RawClient slow(server.address());
  ASSERT_TRUE(slow.Send(Get("/slow")));
  ASSERT_TRUE(slow_handler.entered.WaitForNotificationWithTimeout(absl::Seconds(5)));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // outlast the deadline
    slow_handler.release.Notify();
  });
  server.server().Shutdown(absl::Now() + absl::Milliseconds(20));
  // Whatever the handler's owner does after Shutdown, the handler is no longer running.
  EXPECT_TRUE(slow_handler.returned);
  releaser.join();
}

TEST(HttpServer, ShutdownIsIdempotentAndSafeWithoutStart) {
  IoPool io(1);
  io.Start();
  HttpServerOptions options;
  options.endpoint = "127.0.0.1:0";
  HttpServer never_started(io.context(), options,
                           [](HttpRequest& r) { return MakeHttpResponse(r, {}, "", ""); });
  never_started.Shutdown(absl::Now());
  TestServer server;
  server.server().Shutdown(absl::Now() + absl::Seconds(1));
  server.server().Shutdown(absl::Now() + absl::Seconds(1));
  EXPECT_FALSE(testing::CanConnect(server.address()));
}

}  // namespace
}  // namespace weir::net
