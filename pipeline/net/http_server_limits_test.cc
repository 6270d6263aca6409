// HttpServer's limits over raw loopback sockets: timeouts (tiny here), keep-alive limits, the
// connection limit, the memory budget, the answer-then-linger close, and the accept loop's
// back-off when the process runs out of file descriptors.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/beast/http/status.hpp"
#include "gtest/gtest.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/http_server.h"
#include "pipeline/net/http_test_client.h"

namespace weir::net {
namespace {

using testing::Get;
using testing::Post;
using testing::RawClient;
using testing::RawResponse;
using testing::TestServer;
using testing::WaitFor;

constexpr absl::Duration kLong = absl::Seconds(30);  // a limit a test must not run into

HttpServerOptions LongTimeouts() {
  HttpServerOptions o;
  o.read_header_timeout = kLong;
  o.read_timeout = kLong;
  o.idle_timeout = kLong;
  o.write_timeout = kLong;
  return o;
}

TEST(HttpServerLimits, HeaderTimeoutClosesASlowHeaderEvenIfItTrickles) {
  HttpServerOptions options = LongTimeouts();
  options.read_header_timeout = absl::Milliseconds(150);
  TestServer server(options);
  RawClient silent(server.address());
  ASSERT_TRUE(silent.Send("POST / HTTP/1.1\r\nHo"));
  EXPECT_EQ(silent.ReadToEnd(absl::Seconds(10)), RawClient::End::kClosed);
  // A byte at a time keeps the connection busy, but the header's deadline is one deadline.
  RawClient trickle(server.address());
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  bool closed = false;
  for (const char c : std::string("GET / HTTP/1.1\r\nX-Slow: ") + std::string(1000, 'a')) {
    if (!trickle.Send(std::string(1, c)) || absl::Now() > give_up) {
      closed = true;
      break;
    }
    if (trickle.ReadToEnd(absl::Milliseconds(20)) != RawClient::End::kOpen) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_EQ(server.calls(), 0);
}

TEST(HttpServerLimits, ReadTimeoutClosesASlowBody) {
  HttpServerOptions options = LongTimeouts();
  options.read_timeout = absl::Milliseconds(150);
  TestServer server(options);
  RawClient client(server.address());
  ASSERT_TRUE(client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly this"));
  EXPECT_EQ(client.ReadToEnd(absl::Seconds(10)), RawClient::End::kClosed);
  EXPECT_EQ(server.calls(), 0);
}

TEST(HttpServerLimits, IdleTimeoutClosesAKeepAliveConnection) {
  HttpServerOptions options = LongTimeouts();
  options.idle_timeout = absl::Milliseconds(100);
  TestServer server(options);
  RawClient client(server.address());
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(client.ReadResponse());
  EXPECT_EQ(client.ReadToEnd(absl::Seconds(10)), RawClient::End::kClosed);
}

TEST(HttpServerLimits, KeepAliveEndsAfterMaxRequestsPerConnection) {
  HttpServerOptions options = LongTimeouts();
  options.max_requests_per_connection = 2;
  TestServer server(options);
  RawClient client(server.address());
  ASSERT_TRUE(client.Send(Get("/1") + Get("/2") + Get("/3")));
  std::optional<RawResponse> first = client.ReadResponse();
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->header("connection"), "");
  EXPECT_EQ(second->header("connection"), "close");
  EXPECT_FALSE(client.ReadResponse());  // the third is not answered on this connection
  EXPECT_EQ(server.calls(), 2);
}

TEST(HttpServerLimits, ConnectionClosesOnceItReachesMaxAge) {
  HttpServerOptions options = LongTimeouts();
  options.max_connection_age = absl::Milliseconds(200);
  TestServer server(options);
  RawClient client(server.address());
  ASSERT_TRUE(client.Send(Get("/")));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  // Idle and old enough: closed without waiting for the (long) idle timeout.
  EXPECT_EQ(client.ReadToEnd(absl::Seconds(10)), RawClient::End::kClosed);
}

TEST(HttpServerLimits, ConnectionsOverMaxAreAnswered503AndTheOthersKeepWorking) {
  HttpServerOptions options = LongTimeouts();
  options.max_connections = 4;
  options.linger_timeout = absl::Milliseconds(50);
  TestServer server(options);
  std::vector<std::unique_ptr<RawClient>> admitted;
  for (int i = 0; i < 4; ++i) {
    admitted.push_back(std::make_unique<RawClient>(server.address()));
    ASSERT_TRUE(admitted.back()->Send(Get("/in")));
    ASSERT_TRUE(admitted.back()->ReadResponse());
  }
  for (int i = 0; i < 20; ++i) {
    RawClient flood(server.address());
    flood.Send(Get("/flood"));
    std::optional<RawResponse> r = flood.ReadResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header("retry-after"), "1");
    EXPECT_EQ(flood.ReadToEnd(), RawClient::End::kClosed);
  }
  EXPECT_EQ(server.server().stats().rejected, 20u);
  for (auto& client : admitted) {
    ASSERT_TRUE(client->Send(Get("/again")));
    std::optional<RawResponse> r = client->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // A closed connection frees its place.
  admitted.pop_back();
  ASSERT_TRUE(WaitFor([&] { return server.server().stats().connections == 3; }));
  RawClient next(server.address());
  ASSERT_TRUE(next.Send(Get("/next")));
  std::optional<RawResponse> r = next.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server.calls(), 4 + 4 + 1);
}

TEST(HttpServerLimits, HeaderOnlyRequestsWithHugeContentLengthCostNoMemory) {
  pipeline::MemoryBudget budget(size_t{1} << 30);
  HttpServerOptions options = LongTimeouts();
  options.budget = &budget;
  std::atomic<size_t> used_in_handler{0};
  TestServer server(options, [&](HttpRequest& request, absl::string_view) {
    used_in_handler = budget.used();
    return MakeHttpResponse(request, boost::beast::http::status::ok, "text/plain",
                            absl::StrCat(request.body().size()));
  });
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<RawClient>(server.address()));
    ASSERT_TRUE(clients.back()->Send(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 20000000\r\nExpect: 100-continue\r\n\r\n"));
  }
  // 100 Continue says the server read the header and now waits for the body.
  for (auto& client : clients) {
    std::optional<RawResponse> r = client->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 100);
  }
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_EQ(budget.peak(), 0u);
  // A body that does arrive is charged while it is read, and released after the handler.
  const size_t size = 3 << 20;
  RawClient sender(server.address());
  ASSERT_TRUE(sender.Send(Post("/", std::string(size, 'x'))));
  std::optional<RawResponse> r = sender.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, absl::StrCat(size));
  EXPECT_GE(used_in_handler, size);
  EXPECT_LE(budget.peak(), size);  // grown with the bytes, never past the declared length
  EXPECT_TRUE(WaitFor([&] { return budget.used() == 0; }));
}

TEST(HttpServerLimits, BodyThatDoesNotFitTheBudgetGets429BeforeItIsRead) {
  pipeline::MemoryBudget budget(100 << 10);
  HttpServerOptions options = LongTimeouts();
  options.budget = &budget;
  TestServer server(options);
  RawClient declared(server.address());
  ASSERT_TRUE(declared.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n"));
  std::optional<RawResponse> r = declared.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->header("retry-after"), "1");
  EXPECT_EQ(declared.ReadToEnd(), RawClient::End::kClosed);
  // A chunk that does not fit: refused on its chunk header.
  RawClient chunked(server.address());
  ASSERT_TRUE(
      chunked.Send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "10\r\n0123456789abcdef\r\n30d40\r\n"));
  r = chunked.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->header("retry-after"), "1");
  EXPECT_EQ(server.calls(), 0);
  EXPECT_LE(budget.peak(), 100u << 10);
  EXPECT_TRUE(WaitFor([&] { return budget.used() == 0; }));
}

TEST(HttpServerLimits, BudgetSpentWhileABodyArrivesGets429Midway) {
  pipeline::MemoryBudget budget(1 << 20);
  HttpServerOptions options = LongTimeouts();
  options.budget = &budget;
  TestServer server(options);
  RawClient client(server.address());
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 600000\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 100);  // it fitted when its header arrived
  pipeline::MemoryCharge someone_else = budget.Charge(700 << 10);
  client.Send(std::string(600000, 'x'));
  r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(server.calls(), 0);
  EXPECT_LE(budget.peak(), size_t{1} << 20);
}

TEST(HttpServerLimits, ErrorAnswerIsFollowedByAnOrderlyClose) {
  HttpServerOptions options = LongTimeouts();
  options.max_body_bytes = 1000;
  options.linger_timeout = absl::Seconds(5);
  TestServer server(options);
  RawClient client(server.address());
  // The client sends its whole (too large) body before reading anything, as most do.
  ASSERT_TRUE(client.Send(Post("/", std::string(200 << 10, 'x'))));
  std::optional<RawResponse> r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // The server drained what was sent instead of resetting the connection, and closes when the
  // client is done.
  EXPECT_TRUE(client.Send(std::string(10 << 10, 'y')));
  client.ShutdownWrite();
  EXPECT_EQ(client.ReadToEnd(), RawClient::End::kClosed);
}

// Lowers this process's descriptor limit so that the next accept fails with EMFILE, and puts
// it back on destruction.
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    int highest = 0;
    if (DIR* dir = opendir("/proc/self/fd")) {
      while (dirent* entry = readdir(dir)) highest = std::max(highest, atoi(entry->d_name));
      closedir(dir);
    }
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(highest + 8);
    setrlimit(RLIMIT_NOFILE, &lowered);
    while (true) {
      int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      held_.push_back(fd);
    }
  }
  ~DescriptorExhaustion() { Release(); }
  void Release() {
    for (int fd : held_) close(fd);
    held_.clear();
    setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> held_;
};

TEST(HttpServerLimits, AcceptBacksOffWhenOutOfDescriptorsAndOpenConnectionsKeepWorking) {
  TestServer server(LongTimeouts());
  RawClient open_before(server.address());
  ASSERT_TRUE(open_before.Send(Get("/before")));
  ASSERT_TRUE(open_before.ReadResponse());
  RawClient waiting(server.address(), /*connect=*/false);  // its descriptor exists already

  DescriptorExhaustion exhaustion;
  ASSERT_TRUE(waiting.Connect());  // the kernel accepts it; the server cannot
  ASSERT_TRUE(WaitFor([&] { return server.server().stats().accept_errors > 0; }));
  uint64_t before = server.server().stats().accept_errors;
  // The connection that was already open is served while accepting fails.
  ASSERT_TRUE(open_before.Send(Get("/during")));
  std::optional<RawResponse> during = open_before.ReadResponse();
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a window to count retries in
  uint64_t retries = server.server().stats().accept_errors - before;
  EXPECT_LE(retries, 10u) << "the accept loop spins";

  exhaustion.Release();
  ASSERT_TRUE(waiting.Send(Get("/after")));
  std::optional<RawResponse> after = waiting.ReadResponse();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

}  // namespace
}  // namespace weir::net
