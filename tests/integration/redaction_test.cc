// Boots the real weir binary with the redaction processor and sends spans full of PII over
// OTLP/gRPC and OTLP/HTTP: e-mail addresses, card numbers, bearer tokens, SQL literals and URL
// query strings in resource, span, event and link attributes and in names. None of those values
// may appear anywhere in what the exporter sends; everything else arrives unchanged.

#include <signal.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const char* const kSecrets[] = {
    "ann.lee@example.com",
    "4111111111111111",
    "5500 0000 0000 0004",
    "eyJhbGciOiJIUzI1NiJ9",
    "hunter2",
    "s3cr3t-session",
    "'ann'",
    "= 4711",
};

void Put(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list, const std::string& key,
         const std::string& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

otlp::ExportRequest PiiRequest(int n) {
  otlp::ExportRequest req;
  auto* rs = req.add_resource_spans();
  Put(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  Put(rs->mutable_resource()->mutable_attributes(), "team.contact", "ann.lee@example.com");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("shop");
  for (int i = 0; i < n; ++i) {
    auto* span = ss->add_spans();
    span->set_trace_id(std::string(15, '\7') + static_cast<char>(i + 1));
    span->set_span_id(std::string(7, '\6') + static_cast<char>(i + 1));
    span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    span->set_start_time_unix_nano(1700000000000000000ull + i);
    span->set_end_time_unix_nano(1700000000100000000ull + i);
    span->set_name("POST /orders?session=s3cr3t-session");
    Put(span->mutable_attributes(), "http.route", "/orders");
    Put(span->mutable_attributes(), "url.full",
        "https://shop.example/orders/4711?session=s3cr3t-session");
    Put(span->mutable_attributes(), "enduser.email", "ann.lee@example.com");
    Put(span->mutable_attributes(), "payment.card", "card 5500 0000 0000 0004 ok");
    Put(span->mutable_attributes(), "http.request.header.authorization",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig");
    Put(span->mutable_attributes(), "db.system", "postgresql");
    Put(span->mutable_attributes(), "db.statement",
        "SELECT * FROM users WHERE name = 'ann' AND id = 4711");
    auto* event = span->add_events();
    event->set_name("receipt sent to ann.lee@example.com");
    Put(event->mutable_attributes(), "card", "4111111111111111");
    auto* link = span->add_links();
    link->set_trace_id(std::string(16, '\5'));
    link->set_span_id(std::string(8, '\4'));
    Put(link->mutable_attributes(), "login", "password=hunter2 for ann.lee@example.com");
    span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    span->mutable_status()->set_message("card 4111111111111111 declined");
  }
  return req;
}

TEST(Redaction, NoPiiReachesTheExporterAndTheRestArrivesUnchanged) {
  FakeOtlpGrpcServer backend;
  std::string dir = MakeTempDir("redaction");
  std::string error;
  auto weir = WeirProcess::Start(dir, R"(
receivers:
  otlp:
    protocols:
      grpc: {endpoint: 127.0.0.1:0}
      http: {endpoint: 127.0.0.1:0}
processors:
  redaction:
    allow_all_keys: true
    blocked_values:
      - "\\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{2}(?:[ -]?[0-9]{4}){3})\\b"
      - "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"
      - "(?i)bearer\\s+[A-Za-z0-9._~+/=-]+"
      - "password=\\S+"
    redact_names: true
    url_sanitizer:
      enabled: true
      attributes: [url.full]
    db_sanitizer:
      sql: {enabled: true, attributes: [db.statement]}
exporters:
  otlp:
    endpoint: )" + backend.address() + R"(
    tls: {insecure: true}
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces: {receivers: [otlp], processors: [redaction], exporters: [otlp]}
)",
                                 &error);
  ASSERT_TRUE(weir) << error;

  otlp::ExportResponse response;
  ASSERT_TRUE(GrpcExport(weir->GrpcAddress(), PiiRequest(3), &response).ok());
  HttpResult http = HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                             PiiRequest(2).SerializeAsString());
  ASSERT_EQ(http.status, 200) << http.body;
  for (int i = 0; i < 500 && backend.accepted_span_count() < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(backend.accepted_span_count(), 5u);

  for (const auto& call : backend.calls()) {
    for (const char* secret : kSecrets) EXPECT_THAT(call.request, Not(HasSubstr(secret))) << secret;
    ASSERT_TRUE(call.decoded);
    for (const auto& rs : call.decoded->resource_spans()) {
      EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "checkout");
      EXPECT_EQ(rs.resource().attributes(1).value().string_value(), "****");
      for (const auto& ss : rs.scope_spans()) {
        EXPECT_EQ(ss.scope().name(), "shop");
        for (const auto& span : ss.spans()) {
          EXPECT_EQ(span.name(), "POST /orders");
          EXPECT_EQ(span.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
          EXPECT_GE(span.start_time_unix_nano(), 1700000000000000000ull);
          std::map<std::string, std::string> attrs;
          for (const auto& kv : span.attributes()) attrs[kv.key()] = kv.value().string_value();
          EXPECT_EQ(attrs["http.route"], "/orders");
          EXPECT_EQ(attrs["url.full"], "https://shop.example/orders/*");
          EXPECT_EQ(attrs["enduser.email"], "****");
          EXPECT_EQ(attrs["payment.card"], "card **** ok");
          EXPECT_EQ(attrs["http.request.header.authorization"], "****");
          EXPECT_EQ(attrs["db.system"], "postgresql");
          EXPECT_EQ(attrs["db.statement"], "SELECT * FROM users WHERE name = ? AND id = ?");
          EXPECT_EQ(span.events(0).name(), "receipt sent to ****");
          EXPECT_EQ(span.events(0).attributes(0).value().string_value(), "****");
          EXPECT_EQ(span.links(0).attributes(0).value().string_value(), "**** for ****");
          EXPECT_EQ(span.links(0).span_id(), std::string(8, '\4'));
          EXPECT_EQ(span.status().message(), "card **** declined");
          EXPECT_EQ(span.status().code(),
                    opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        }
      }
    }
  }
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace weir::testing
