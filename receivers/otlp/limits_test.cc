// The receiver's memory limits: requests refused before they are read when the memory budget is
// spent, and a cap on the spans one request may hold, so a small request cannot cost gigabytes.
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/compression.h"
#include "receivers/helper/delivery.h"
#include "receivers/otlp/receiver.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"
#include "zlib.h"

namespace weir::receivers::otlp {
namespace {

using ::testing::HasSubstr;

constexpr char kLoopbackConfig[] = R"(
protocols:
  grpc:
    endpoint: 127.0.0.1:0
  http:
    endpoint: 127.0.0.1:0
    max_request_body_size: 67108864
)";

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendField(std::string* out, int field, const std::string& body) {
  out->push_back(static_cast<char>(field << 3 | 2));
  AppendVarint(out, body.size());
  out->append(body);
}

// An ExportTraceServiceRequest of one resource and one scope holding `n` empty spans: two bytes
// per span on the wire.
std::string EmptySpans(size_t n) {
  std::string scope_spans;
  for (size_t i = 0; i < n; ++i) scope_spans.append("\x12\x00", 2);
  std::string resource_spans, request;
  AppendField(&resource_spans, 2, scope_spans);
  AppendField(&request, 1, resource_spans);
  return request;
}

// A gzip stream that inflates to `bytes` zeros, built without holding them: about 1/1000 of
// their size.
std::string GzipBomb(size_t bytes) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buffer[1 << 16];
  for (size_t fed = 0; fed < bytes;) {
    size_t n = std::min(zeros.size(), bytes - fed);
    fed += n;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    z.avail_in = static_cast<uInt>(n);
    int flush = fed == bytes ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof(buffer);
      deflate(&z, flush);
      out.append(buffer, sizeof(buffer) - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

// The process's peak resident set (VmHWM), in bytes.
size_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Diagnostics d;
    auto cfg = DecodeConfig(config::Node(YAML::Load(kLoopbackConfig), "receivers.otlp", &d));
    ASSERT_TRUE(d.ok()) << d.ToString();
    receiver_ = std::make_unique<Receiver>(env_.SettingsFor("otlp"), *cfg, sink_);
    ASSERT_TRUE(receiver_->Start(host_).ok());
  }
  void TearDown() override {
    receiver_->Shutdown(absl::Now() + absl::Seconds(5));
    pipeline::MemoryBudget::Process().set_limit(pipeline::MemoryBudget::kUnlimited);
  }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  testing::SinkConsumer sink_;
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(LimitsTest, SpentBudgetRefusesBeforeReadingWithTheRetryableAnswers) {
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  budget.set_limit(budget.used() + 1000);
  pipeline::MemoryCharge held = budget.Charge(1000);  // the budget is spent

  weir::otlp::ExportResponse response;
  grpc::Status g =
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 5), &response);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(g.error_details().empty());  // RetryInfo
  EXPECT_THAT(g.error_message(), HasSubstr("memory limit"));

  std::string body = testing::MakeRequest(1, 1, 5).SerializeAsString();
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(sink_.span_count(), 0u);
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("weir_receiver_refused_requests{receiver=\"otlp\",transport=\"grpc\"} 1"));

  held.Release();  // room again: accepted
  budget.set_limit(budget.used() + (size_t{1} << 30));
  EXPECT_TRUE(
      testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 5), &response)
          .ok());
  EXPECT_EQ(sink_.span_count(), 5u);
}

TEST_F(LimitsTest, RequestOverTheSpanCapIsRefusedWithoutBuildingItsIndex) {
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  size_t peak_before = budget.peak();
  std::string body = EmptySpans(helper::kMaxSpansPerRequest + 1);  // 2 MiB on the wire
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("spans per request"));
  // gzip makes the same request 200x smaller; the cap applies to what it inflates to.
  r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf",
                        net::Gzip(body), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("spans per request"));
  weir::otlp::ExportResponse response;
  weir::otlp::ExportRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(EmptySpans(helper::kMaxSpansPerRequest + 1)));
  grpc::Status g = testing::GrpcExport(receiver_->grpc_address(), decoded, &response, true);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(g.error_message(), HasSubstr("spans per request"));
  // Nothing was charged beyond the request bytes: no index of a million spans was built.
  EXPECT_LT(budget.peak() - std::min(budget.peak(), peak_before), size_t{16} << 20);
  EXPECT_EQ(sink_.span_count(), 0u);
}

TEST_F(LimitsTest, ManyEmptySpansUnderTheCapAreSplicedOutAsInvalid) {
  std::string body = EmptySpans(1000);
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(r.status, 200);
  weir::otlp::ExportResponse response;
  ASSERT_TRUE(response.ParseFromString(r.body));
  EXPECT_EQ(response.partial_success().rejected_spans(), 1000);
  EXPECT_EQ(sink_.span_count(), 0u);
}

// The DOM of an OTLP/JSON body is charged to the budget while it is built and decoded.
TEST_F(LimitsTest, JsonDomOverTheBudgetIsRetryLater) {
  std::string spans;
  for (int i = 0; i < 20000; ++i) absl::StrAppend(&spans, i > 0 ? "," : "", "{\"name\":\"x\"}");
  const std::string body =
      absl::StrCat(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)", spans, "]}]}]}");
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  budget.set_limit(budget.used() + body.size() * 3);  // the body fits, its DOM does not
  auto r = testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/json", body);
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(sink_.span_count(), 0u);
}

TEST_F(LimitsTest, SpanCapShrinksWithTheBudgetsRoom) {
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  // Room for the body but not for the index of 100k spans: retry later, not "too large".
  std::string body = EmptySpans(100000);
  budget.set_limit(budget.used() + body.size() * 3);
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers["retry-after"], "1");
}

// gRPC would inflate a compressed message whole before checking max_recv_msg_size_mib; weir
// inflates it itself and stops at the limit: a message of 256 MiB zeros costs next to nothing.
TEST_F(LimitsTest, GrpcGzipBombIsRefusedWithoutInflatingIt) {
  std::string bomb = GzipBomb(size_t{256} << 20);
  ASSERT_LT(bomb.size(), size_t{4} << 20);  // under max_recv_msg_size_mib on the wire
  const size_t peak_before = PeakRssBytes();
  grpc::Status g = testing::GrpcExportCompressed(receiver_->grpc_address(), std::move(bomb));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(g.error_details().empty());  // no RetryInfo: the same message never fits
  EXPECT_THAT(g.error_message(), HasSubstr("max_recv_msg_size_mib"));
  EXPECT_LT(PeakRssBytes() - std::min(PeakRssBytes(), peak_before), size_t{64} << 20);
  EXPECT_EQ(sink_.span_count(), 0u);
  // The receiver keeps serving, compressed requests included.
  weir::otlp::ExportResponse response;
  EXPECT_TRUE(testing::GrpcExport(receiver_->grpc_address(), testing::MakeRequest(1, 1, 3),
                                  &response, /*gzip=*/true)
                  .ok());
  EXPECT_EQ(sink_.span_count(), 3u);
}

TEST_F(LimitsTest, GrpcCompressedMessageOverTheBudgetsRoomIsRetryable) {
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  budget.set_limit(budget.used() + (size_t{1} << 20));
  grpc::Status g =
      testing::GrpcExportCompressed(receiver_->grpc_address(), GzipBomb(size_t{3} << 20));
  EXPECT_EQ(g.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(g.error_details().empty());  // RetryInfo: room may come back
  EXPECT_THAT(env_.telemetry.Scrape(),
              HasSubstr("weir_receiver_refused_requests{receiver=\"otlp\",transport=\"grpc\"} 1"));
}

TEST_F(LimitsTest, GrpcCorruptCompressedMessageIsInvalid) {
  std::string gz = net::Gzip(testing::MakeRequest(1, 1, 2).SerializeAsString());
  gz[gz.size() / 2] ^= 0x55;
  gz.resize(gz.size() - 4);
  grpc::Status g = testing::GrpcExportCompressed(receiver_->grpc_address(), gz);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(g.error_message(), HasSubstr("decompress"));
  // A well-formed one, precompressed as weir's own exporter sends it, is delivered.
  std::string response;
  EXPECT_TRUE(testing::GrpcExportCompressed(
                  receiver_->grpc_address(),
                  net::Gzip(testing::MakeRequest(1, 1, 2).SerializeAsString()), &response)
                  .ok());
  EXPECT_EQ(sink_.span_count(), 2u);
}

// The HTTP server charges the body while reading it; the handler must not count it a second
// time: a body that fits in the budget's room once is accepted.
TEST_F(LimitsTest, BodyChargedByTheServerIsNotCountedTwice) {
  pipeline::MemoryBudget& budget = pipeline::MemoryBudget::Process();
  std::string span, scope_spans, resource_spans, body;
  AppendField(&span, 1, std::string(16, '\x01'));    // trace_id
  AppendField(&span, 2, std::string(8, '\x02'));     // span_id
  AppendField(&span, 5, std::string(1 << 20, 'n'));  // name, 1 MiB
  AppendField(&scope_spans, 2, span);
  AppendField(&resource_spans, 2, scope_spans);
  AppendField(&body, 1, resource_spans);
  budget.set_limit(budget.used() + body.size() * 3 / 2);
  auto r =
      testing::HttpPost(receiver_->http_address(), "/v1/traces", "application/x-protobuf", body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sink_.span_count(), 1u);
}

}  // namespace
}  // namespace weir::receivers::otlp
