// Boots the real weir binary with filter, attributes and resource processors and checks, span
// for span, what reaches the backend: health checks and debug events dropped by OTTL
// conditions, the tenant header of the HTTP request copied into every resource, attributes
// inserted, hashed and deleted, and every other field as it was sent.

#include <signal.h>

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_otlp_server.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/weir_process.h"

namespace weir::testing {
namespace {

void Put(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list, const std::string& key,
         const std::string& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

TEST(SpanEditing, FilterAttributesAndResourceThroughTheRealBinary) {
  FakeOtlpGrpcServer backend;
  std::string dir = MakeTempDir("span-editing");
  std::string error;
  auto weir = WeirProcess::Start(dir, R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: 127.0.0.1:0, include_metadata: true}
processors:
  filter:
    traces:
      span: ['attributes["http.route"] == "/health"', 'IsMatch(name, "^internal-")']
      spanevent: ['name == "debug"']
  attributes:
    actions:
      - {key: deployment.environment, value: prod, action: insert}
      - {key: enduser.id, action: hash}
      - {pattern: "^http\\.request\\.header\\.", action: delete}
    exclude: {match_type: strict, span_kinds: [SPAN_KIND_INTERNAL]}
  resource:
    attributes:
      - {key: tenant, from_context: metadata.x-tenant, action: upsert}
exporters:
  otlp:
    endpoint: )" + backend.address() + R"(
    tls: {insecure: true}
service:
  telemetry:
    metrics: {address: 127.0.0.1:0}
  pipelines:
    traces: {receivers: [otlp], processors: [filter, attributes, resource], exporters: [otlp]}
)",
                                 &error);
  ASSERT_TRUE(weir) << error;

  otlp::ExportRequest req;
  auto* rs = req.add_resource_spans();
  Put(rs->mutable_resource()->mutable_attributes(), "service.name", "shop");
  auto* ss = rs->add_scope_spans();
  struct Spec {
    const char* name;
    const char* route;
    int kind;
  };
  const Spec specs[] = {{"GET /orders", "/orders", 2},
                        {"GET /health", "/health", 2},
                        {"internal-tick", "", 1},
                        {"load order", "", 1}};
  int n = 0;
  for (const Spec& s : specs) {
    auto* span = ss->add_spans();
    span->set_trace_id(std::string(15, '\3') + static_cast<char>(++n));
    span->set_span_id(std::string(7, '\4') + static_cast<char>(n));
    span->set_name(s.name);
    span->set_kind(static_cast<otlp::Span::SpanKind>(s.kind));
    span->set_start_time_unix_nano(1700000000000000000ull + n);
    if (*s.route) Put(span->mutable_attributes(), "http.route", s.route);
    Put(span->mutable_attributes(), "enduser.id", "ann");
    Put(span->mutable_attributes(), "http.request.header.cookie", "session=1");
    span->add_events()->set_name("debug");
    span->add_events()->set_name("exception");
  }
  HttpResult r = HttpPost(weir->HttpAddress(), "/v1/traces", "application/x-protobuf",
                          req.SerializeAsString(), {{"X-Tenant", "acme"}});
  ASSERT_EQ(r.status, 200) << r.body;
  for (int i = 0; i < 500 && backend.accepted_span_count() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(backend.accepted_span_count(), 2u);

  std::map<std::string, const otlp::Span*> got;
  std::vector<otlp::ExportRequest> requests;
  for (const auto& call : backend.calls()) {
    ASSERT_TRUE(call.decoded);
    requests.push_back(*call.decoded);
  }
  for (const auto& request : requests) {
    for (const auto& out_rs : request.resource_spans()) {
      std::map<std::string, std::string> res;
      for (const auto& kv : out_rs.resource().attributes())
        res[kv.key()] = kv.value().string_value();
      EXPECT_EQ(res["service.name"], "shop");
      EXPECT_EQ(res["tenant"], "acme");
      for (const auto& out_ss : out_rs.scope_spans())
        for (const auto& span : out_ss.spans()) got[span.name()] = &span;
    }
  }
  ASSERT_EQ(got.size(), 2u);
  ASSERT_TRUE(got.count("GET /orders") && got.count("load order"));
  auto attrs = [](const otlp::Span& s) {
    std::map<std::string, std::string> out;
    for (const auto& kv : s.attributes()) out[kv.key()] = kv.value().string_value();
    return out;
  };
  auto server = attrs(*got["GET /orders"]);
  EXPECT_EQ(server["deployment.environment"], "prod");
  EXPECT_EQ(server["enduser.id"].size(), 64u);  // SHA-256 hex
  EXPECT_EQ(server.count("http.request.header.cookie"), 0u);
  EXPECT_EQ(server["http.route"], "/orders");
  auto internal = attrs(*got["load order"]);  // excluded from the attribute actions
  EXPECT_EQ(internal["enduser.id"], "ann");
  EXPECT_EQ(internal.count("deployment.environment"), 0u);
  for (const auto& [name, span] : got) {
    ASSERT_EQ(span->events_size(), 1) << name;
    EXPECT_EQ(span->events(0).name(), "exception");
  }
  EXPECT_EQ(weir->Stop(SIGTERM, std::chrono::seconds(20)), 0);
}

}  // namespace
}  // namespace weir::testing
