#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/jaeger/from_otlp.h"
#include "pipeline/jaeger/to_otlp.h"
#include "pipeline/jaeger/wire_from_otlp.h"
#include "pipeline/trace_batch.h"

namespace weir::jaeger {
namespace {

using ::google::protobuf::TextFormat;
using ::google::protobuf::util::MessageDifferencer;

template <typename T>
T Parse(const std::string& text) {
  T message;
  EXPECT_TRUE(TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

const std::string kTraceId = Bytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
const std::string kSpanId = Bytes({0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8});
const std::string kParentId = Bytes({0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8});
const std::string kLinkId = Bytes({0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8});

// A span that uses every field the mapping carries.
otlp::ResourceSpans FullResourceSpans() {
  auto rs = Parse<otlp::ResourceSpans>(R"pb(
    resource {
      attributes {
        key: "host.name"
        value { string_value: "h1" }
      }
      attributes {
        key: "service.name"
        value { string_value: "checkout" }
      }
      attributes {
        key: "pid"
        value { int_value: 42 }
      }
    }
    scope_spans {
      scope { name: "io.weir.test" version: "1.2.3" }
      spans {
        name: "GET /cart"
        kind: SPAN_KIND_SERVER
        start_time_unix_nano: 1700000000123456789
        end_time_unix_nano: 1700000001123456789
        trace_state: "vendor=x"
        attributes {
          key: "s"
          value { string_value: "v" }
        }
        attributes {
          key: "b"
          value { bool_value: true }
        }
        attributes {
          key: "i"
          value { int_value: -7 }
        }
        attributes {
          key: "d"
          value { double_value: 2.5 }
        }
        attributes {
          key: "y"
          value { bytes_value: "\x00\x01" }
        }
        attributes {
          key: "a"
          value {
            array_value {
              values { int_value: 1 }
              values { string_value: "x" }
            }
          }
        }
        attributes {
          key: "m"
          value {
            kvlist_value {
              values {
                key: "k"
                value { bool_value: false }
              }
            }
          }
        }
        events {
          time_unix_nano: 1700000000500000000
          name: "exception"
          attributes {
            key: "exception.message"
            value { string_value: "boom" }
          }
        }
        events { time_unix_nano: 1700000000600000000 }
        status { code: STATUS_CODE_ERROR message: "failed" }
      }
    }
  )pb");
  auto* span = rs.mutable_scope_spans(0)->mutable_spans(0);
  span->set_trace_id(kTraceId);
  span->set_flags(1);
  span->set_span_id(kSpanId);
  span->set_parent_span_id(kParentId);
  auto* link = span->add_links();
  link->set_trace_id(kTraceId);
  link->set_span_id(kLinkId);
  return rs;
}

const model::KeyValue* Tag(const google::protobuf::RepeatedPtrField<model::KeyValue>& tags,
                           const std::string& key) {
  for (const auto& t : tags) {
    if (t.key() == key) return &t;
  }
  return nullptr;
}

TEST(JaegerFromOtlp, ResourceBecomesProcess) {
  model::Batch batch;
  ResourceSpansToBatch(FullResourceSpans(), &batch);
  EXPECT_EQ(batch.process().service_name(), "checkout");
  ASSERT_EQ(batch.process().tags_size(), 2);
  EXPECT_EQ(batch.process().tags(0).key(), "host.name");
  EXPECT_EQ(batch.process().tags(0).v_str(), "h1");
  EXPECT_EQ(batch.process().tags(1).key(), "pid");
  EXPECT_EQ(batch.process().tags(1).v_type(), ::jaeger::api_v2::INT64);
  EXPECT_EQ(batch.process().tags(1).v_int64(), 42);
}

TEST(JaegerFromOtlp, MissingServiceNameIsNamed) {
  model::Batch batch;
  ResourceSpansToBatch(otlp::ResourceSpans(), &batch);
  EXPECT_EQ(batch.process().service_name(), "OTLPResourceNoServiceName");
  ResourceSpansToBatch(Parse<otlp::ResourceSpans>(R"pb(resource {
                                                         attributes {
                                                           key: "k"
                                                           value { string_value: "v" }
                                                         }
                                                       })pb"),
                       &batch);
  EXPECT_EQ(batch.process().service_name(), "OTLPResourceNoServiceName");
  EXPECT_EQ(batch.process().tags_size(), 1);
}

TEST(JaegerFromOtlp, SpanFieldsAndTagsInOtelcolOrder) {
  model::Batch batch;
  ResourceSpansToBatch(FullResourceSpans(), &batch);
  ASSERT_EQ(batch.spans_size(), 1);
  const auto& s = batch.spans(0);
  EXPECT_EQ(s.trace_id(), kTraceId);
  EXPECT_EQ(s.span_id(), kSpanId);
  EXPECT_EQ(s.operation_name(), "GET /cart");
  EXPECT_EQ(s.flags(), 1u);  // the W3C sampled bit
  EXPECT_EQ(s.start_time().seconds(), 1700000000);
  EXPECT_EQ(s.start_time().nanos(), 123456789);
  EXPECT_EQ(s.duration().seconds(), 1);
  EXPECT_EQ(s.duration().nanos(), 0);

  std::vector<std::string> keys;
  for (const auto& t : s.tags()) keys.push_back(t.key());
  EXPECT_THAT(keys, ::testing::ElementsAre("otel.scope.name", "otel.scope.version", "s", "b", "i",
                                           "d", "y", "a", "m", "span.kind", "otel.status_code",
                                           "error", "otel.status_description", "w3c.tracestate"));
  EXPECT_EQ(Tag(s.tags(), "otel.scope.name")->v_str(), "io.weir.test");
  EXPECT_EQ(Tag(s.tags(), "otel.scope.version")->v_str(), "1.2.3");
  EXPECT_EQ(Tag(s.tags(), "b")->v_type(), ::jaeger::api_v2::BOOL);
  EXPECT_TRUE(Tag(s.tags(), "b")->v_bool());
  EXPECT_EQ(Tag(s.tags(), "i")->v_int64(), -7);
  EXPECT_EQ(Tag(s.tags(), "d")->v_type(), ::jaeger::api_v2::FLOAT64);
  EXPECT_EQ(Tag(s.tags(), "d")->v_float64(), 2.5);
  EXPECT_EQ(Tag(s.tags(), "y")->v_type(), ::jaeger::api_v2::BINARY);
  EXPECT_EQ(Tag(s.tags(), "y")->v_binary(), std::string("\x00\x01", 2));
  EXPECT_EQ(Tag(s.tags(), "a")->v_type(), ::jaeger::api_v2::STRING);
  EXPECT_EQ(Tag(s.tags(), "a")->v_str(), R"([1,"x"])");
  EXPECT_EQ(Tag(s.tags(), "m")->v_str(), R"({"k":false})");
  EXPECT_EQ(Tag(s.tags(), "span.kind")->v_str(), "server");
  EXPECT_EQ(Tag(s.tags(), "otel.status_code")->v_str(), "ERROR");
  EXPECT_EQ(Tag(s.tags(), "error")->v_type(), ::jaeger::api_v2::BOOL);
  EXPECT_TRUE(Tag(s.tags(), "error")->v_bool());
  EXPECT_EQ(Tag(s.tags(), "otel.status_description")->v_str(), "failed");
  EXPECT_EQ(Tag(s.tags(), "w3c.tracestate")->v_str(), "vendor=x");
}

TEST(JaegerFromOtlp, ParentFirstThenLinks) {
  model::Batch batch;
  ResourceSpansToBatch(FullResourceSpans(), &batch);
  const auto& refs = batch.spans(0).references();
  ASSERT_EQ(refs.size(), 2);
  EXPECT_EQ(refs[0].span_id(), kParentId);
  EXPECT_EQ(refs[0].trace_id(), kTraceId);
  EXPECT_EQ(refs[0].ref_type(), ::jaeger::api_v2::CHILD_OF);
  EXPECT_EQ(refs[1].span_id(), kLinkId);
  EXPECT_EQ(refs[1].ref_type(), ::jaeger::api_v2::FOLLOWS_FROM);
}

TEST(JaegerFromOtlp, LinkRefTypeAttributeAndLinkToParent) {
  auto rs = FullResourceSpans();
  auto* span = rs.mutable_scope_spans(0)->mutable_spans(0);
  auto* a = span->mutable_links(0)->add_attributes();
  a->set_key("opentracing.ref_type");
  a->mutable_value()->set_string_value("child_of");
  auto* to_parent = span->add_links();
  to_parent->set_trace_id(kTraceId);
  to_parent->set_span_id(kParentId);  // no attribute: FOLLOWS_FROM overrides the parent's type
  model::Batch batch;
  ResourceSpansToBatch(rs, &batch);
  const auto& refs = batch.spans(0).references();
  ASSERT_EQ(refs.size(), 2);
  EXPECT_EQ(refs[0].span_id(), kParentId);
  EXPECT_EQ(refs[0].ref_type(), ::jaeger::api_v2::FOLLOWS_FROM);
  EXPECT_EQ(refs[1].ref_type(), ::jaeger::api_v2::CHILD_OF);
}

TEST(JaegerFromOtlp, EventsBecomeLogs) {
  model::Batch batch;
  ResourceSpansToBatch(FullResourceSpans(), &batch);
  const auto& logs = batch.spans(0).logs();
  ASSERT_EQ(logs.size(), 2);
  EXPECT_EQ(logs[0].timestamp().seconds(), 1700000000);
  EXPECT_EQ(logs[0].timestamp().nanos(), 500000000);
  ASSERT_EQ(logs[0].fields_size(), 2);
  EXPECT_EQ(logs[0].fields(0).key(), "event");
  EXPECT_EQ(logs[0].fields(0).v_str(), "exception");
  EXPECT_EQ(logs[0].fields(1).key(), "exception.message");
  EXPECT_EQ(logs[1].fields_size(), 0);  // an event without a name or attributes
}

TEST(JaegerFromOtlp, EventAttributeNamedEventWinsOverTheName) {
  auto rs = FullResourceSpans();
  auto* e = rs.mutable_scope_spans(0)->mutable_spans(0)->mutable_events(0);
  auto* a = e->add_attributes();
  a->set_key("event");
  a->mutable_value()->set_string_value("from-attribute");
  model::Batch batch;
  ResourceSpansToBatch(rs, &batch);
  const auto& fields = batch.spans(0).logs(0).fields();
  ASSERT_EQ(fields.size(), 2);
  EXPECT_EQ(fields[1].key(), "event");
  EXPECT_EQ(fields[1].v_str(), "from-attribute");
}

TEST(JaegerFromOtlp, OkAndUnsetStatusAndUnspecifiedKind) {
  auto rs = FullResourceSpans();
  auto* span = rs.mutable_scope_spans(0)->mutable_spans(0);
  span->mutable_status()->set_code(otlp::SpanStatus::STATUS_CODE_OK);
  span->mutable_status()->clear_message();
  span->set_kind(otlp::Span::SPAN_KIND_UNSPECIFIED);
  model::Batch batch;
  ResourceSpansToBatch(rs, &batch);
  EXPECT_EQ(Tag(batch.spans(0).tags(), "otel.status_code")->v_str(), "OK");
  EXPECT_EQ(Tag(batch.spans(0).tags(), "error"), nullptr);
  EXPECT_EQ(Tag(batch.spans(0).tags(), "span.kind"), nullptr);
  span->mutable_status()->set_code(otlp::SpanStatus::STATUS_CODE_UNSET);
  ResourceSpansToBatch(rs, &batch);
  EXPECT_EQ(Tag(batch.spans(0).tags(), "otel.status_code"), nullptr);
}

// OTLP → Jaeger → OTLP gives the span back, except what Jaeger cannot carry (link attributes
// come back as opentracing.ref_type; dropped counts and flags are not carried).
TEST(JaegerRoundTrip, OtlpThroughJaegerKeepsEveryCarriedField) {
  const auto original = FullResourceSpans();
  model::Batch batch;
  ResourceSpansToBatch(original, &batch);
  otlp::ExportRequest back;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &back).ok());
  ASSERT_EQ(back.resource_spans_size(), 1);

  auto expected = original;
  auto* link = expected.mutable_scope_spans(0)->mutable_spans(0)->mutable_links(0);
  auto* a = link->add_attributes();
  a->set_key("opentracing.ref_type");
  a->mutable_value()->set_string_value("follows_from");
  // Arrays and maps come back as their JSON text.
  auto* attrs = expected.mutable_scope_spans(0)->mutable_spans(0)->mutable_attributes();
  (*attrs)[5].mutable_value()->set_string_value(R"([1,"x"])");
  (*attrs)[6].mutable_value()->set_string_value(R"({"k":false})");
  // service.name comes first.
  auto* res = expected.mutable_resource()->mutable_attributes();
  std::swap((*res)[0], (*res)[1]);

  std::string diff;
  MessageDifferencer d;
  d.ReportDifferencesToString(&diff);
  EXPECT_TRUE(d.Compare(expected, back.resource_spans(0))) << diff;
}

TEST(JaegerToOtlp, StatusRules) {
  struct Case {
    const char* tags;
    otlp::Span::SpanKind kind;
    otlp::SpanStatus::StatusCode code;
    const char* message;
    bool has_status;
  };
  const Case cases[] = {
      {R"pb(tags { key: "error" v_type: BOOL v_bool: true })pb", otlp::Span::SPAN_KIND_UNSPECIFIED,
       otlp::SpanStatus::STATUS_CODE_ERROR, "", true},
      {R"pb(tags { key: "error" v_type: BOOL v_bool: true }
            tags { key: "otel.status_code" v_str: "OK" }
            tags { key: "otel.status_description" v_str: "d" })pb",
       otlp::Span::SPAN_KIND_UNSPECIFIED, otlp::SpanStatus::STATUS_CODE_ERROR, "d", true},
      {R"pb(tags { key: "otel.status_code" v_str: "ok" })pb", otlp::Span::SPAN_KIND_UNSPECIFIED,
       otlp::SpanStatus::STATUS_CODE_OK, "", true},
      {R"pb(tags { key: "span.kind" v_str: "server" }
            tags { key: "http.status_code" v_type: INT64 v_int64: 503 }
            tags { key: "http.status_message" v_str: "down" })pb",
       otlp::Span::SPAN_KIND_SERVER, otlp::SpanStatus::STATUS_CODE_ERROR, "down", true},
      {R"pb(tags { key: "span.kind" v_str: "server" }
            tags { key: "http.status_code" v_str: "404" })pb",
       otlp::Span::SPAN_KIND_SERVER, otlp::SpanStatus::STATUS_CODE_UNSET, "", false},
      {R"pb(tags { key: "span.kind" v_str: "client" }
            tags { key: "http.status_code" v_str: "404" })pb",
       otlp::Span::SPAN_KIND_CLIENT, otlp::SpanStatus::STATUS_CODE_ERROR, "", true},
      {R"pb(tags { key: "error" v_type: BOOL v_bool: false })pb", otlp::Span::SPAN_KIND_UNSPECIFIED,
       otlp::SpanStatus::STATUS_CODE_UNSET, "", false},
      {R"pb(tags { key: "error" v_type: BOOL v_bool: true }
            tags { key: "http.status_message" v_str: "Bad Gateway" })pb",
       otlp::Span::SPAN_KIND_UNSPECIFIED, otlp::SpanStatus::STATUS_CODE_ERROR, "Bad Gateway", true},
      {R"pb(tags { key: "http.status_code" v_type: FLOAT64 v_float64: 502 })pb",
       otlp::Span::SPAN_KIND_UNSPECIFIED, otlp::SpanStatus::STATUS_CODE_ERROR, "", true},
      {R"pb(tags { key: "otel.status_code" v_str: "bogus" })pb", otlp::Span::SPAN_KIND_UNSPECIFIED,
       otlp::SpanStatus::STATUS_CODE_UNSET, "", true},
  };
  for (const auto& c : cases) {
    auto batch = Parse<model::Batch>(std::string("spans { ") + c.tags + " }");
    batch.mutable_spans(0)->set_trace_id(kTraceId);
    batch.mutable_spans(0)->set_span_id(kSpanId);
    otlp::ExportRequest out;
    ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
    const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
    SCOPED_TRACE(c.tags);
    EXPECT_EQ(span.kind(), c.kind);
    EXPECT_EQ(span.has_status(), c.has_status);
    EXPECT_EQ(span.status().code(), c.code);
    EXPECT_EQ(span.status().message(), c.message);
    for (const auto& a : span.attributes()) {
      EXPECT_NE(a.key(), "span.kind");
      EXPECT_NE(a.key(), "otel.status_code");
      EXPECT_NE(a.key(), "otel.status_description");
    }
  }
}

TEST(JaegerToOtlp, ProcessTagsAndSpecialNames) {
  auto batch = Parse<model::Batch>(R"pb(
    process {
      service_name: "legacy"
      tags { key: "hostname" v_str: "box" }
      tags { key: "jaeger.version" v_str: "Node-3.19.0" }
      tags { key: "ip" v_str: "10.0.0.1" }
    }
    spans { operation_name: "op" }
  )pb");
  batch.mutable_spans(0)->set_trace_id(kTraceId.substr(8));  // a 64-bit trace id
  batch.mutable_spans(0)->set_span_id(kSpanId);
  otlp::ExportRequest out;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
  const auto& attrs = out.resource_spans(0).resource().attributes();
  ASSERT_EQ(attrs.size(), 4);
  EXPECT_EQ(attrs[0].key(), "service.name");
  EXPECT_EQ(attrs[0].value().string_value(), "legacy");
  EXPECT_EQ(attrs[1].key(), "host.name");
  EXPECT_EQ(attrs[2].key(), "opencensus.exporterversion");
  EXPECT_EQ(attrs[2].value().string_value(), "Jaeger-Node-3.19.0");
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), std::string(8, '\0') + kTraceId.substr(8));
}

TEST(JaegerToOtlp, ReferencesParentAndLinks) {
  auto batch = Parse<model::Batch>(R"pb(spans {
                                          references { ref_type: FOLLOWS_FROM }
                                          references { ref_type: CHILD_OF }
                                          references { ref_type: CHILD_OF }
                                        })pb");
  auto* s = batch.mutable_spans(0);
  s->set_trace_id(kTraceId);
  s->set_span_id(kSpanId);
  for (int i = 0; i < 3; ++i) s->mutable_references(i)->set_trace_id(kTraceId);
  s->mutable_references(0)->set_span_id(kLinkId);
  s->mutable_references(1)->set_span_id(kParentId);
  s->mutable_references(2)->set_span_id(kLinkId);
  otlp::ExportRequest out;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.parent_span_id(), kParentId);
  ASSERT_EQ(span.links_size(), 2);
  EXPECT_EQ(span.links(0).attributes(0).value().string_value(), "follows_from");
  EXPECT_EQ(span.links(1).attributes(0).value().string_value(), "child_of");
}

TEST(JaegerToOtlp, ScopesGroupAndSpanProcessesSplitResources) {
  auto batch = Parse<model::Batch>(R"pb(
    process { service_name: "a" }
    spans { tags { key: "otel.scope.name" v_str: "lib1" } }
    spans { tags { key: "otel.library.name" v_str: "lib2" } }
    spans { tags { key: "otel.scope.name" v_str: "lib1" } }
    spans { process { service_name: "b" } }
    spans { process { service_name: "a" } }
  )pb");
  for (auto& s : *batch.mutable_spans()) {
    s.set_trace_id(kTraceId);
    s.set_span_id(kSpanId);
  }
  otlp::ExportRequest out;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
  ASSERT_EQ(out.resource_spans_size(), 2);
  const auto& a = out.resource_spans(0);
  ASSERT_EQ(a.scope_spans_size(), 3);
  EXPECT_EQ(a.scope_spans(0).scope().name(), "lib1");
  EXPECT_EQ(a.scope_spans(0).spans_size(), 2);
  EXPECT_EQ(a.scope_spans(1).scope().name(), "lib2");
  EXPECT_EQ(a.scope_spans(2).scope().name(), "");
  EXPECT_EQ(a.scope_spans(2).spans_size(), 1);  // the span whose process equals the batch's
  EXPECT_EQ(out.resource_spans(1).resource().attributes(0).value().string_value(), "b");
}

TEST(JaegerToOtlp, EventNameFromTheEventField) {
  auto batch = Parse<model::Batch>(R"pb(spans {
                                          logs {
                                            timestamp { seconds: 5 nanos: 7 }
                                            fields { key: "event" v_str: "retry" }
                                            fields { key: "attempt" v_type: INT64 v_int64: 2 }
                                          }
                                          logs { fields { key: "message" v_str: "no name" } }
                                        })pb");
  batch.mutable_spans(0)->set_trace_id(kTraceId);
  batch.mutable_spans(0)->set_span_id(kSpanId);
  otlp::ExportRequest out;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  ASSERT_EQ(span.events_size(), 2);
  EXPECT_EQ(span.events(0).name(), "retry");
  EXPECT_EQ(span.events(0).time_unix_nano(), 5000000007u);
  ASSERT_EQ(span.events(0).attributes_size(), 1);
  EXPECT_EQ(span.events(0).attributes(0).key(), "attempt");
  EXPECT_EQ(span.events(1).name(), "");
  EXPECT_EQ(span.events(1).attributes(0).key(), "message");
}

TEST(JaegerToOtlp, FollowsFromParentFlagsDuplicatesAndNoServiceName) {
  auto batch = Parse<model::Batch>(R"pb(
    process {
      service_name: "OTLPResourceNoServiceName"
      tags { key: "k" v_str: "v" }
    }
    spans {
      flags: 3
      references { ref_type: FOLLOWS_FROM }
      tags { key: "dup" v_str: "first" }
      tags { key: "other" v_bool: true v_type: BOOL }
      tags { key: "dup" v_str: "last" }
    })pb");
  auto* s = batch.mutable_spans(0);
  s->set_trace_id(kTraceId);
  s->set_span_id(kSpanId);
  s->mutable_references(0)->set_trace_id(kTraceId);
  s->mutable_references(0)->set_span_id(kParentId);
  otlp::ExportRequest out;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
  const auto& resource = out.resource_spans(0).resource();
  ASSERT_EQ(resource.attributes_size(), 1);  // no service.name for the placeholder
  EXPECT_EQ(resource.attributes(0).key(), "k");
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.flags(), 1u);  // sampled; debug is not carried
  EXPECT_EQ(span.parent_span_id(), kParentId);
  ASSERT_EQ(span.links_size(), 1);  // a FOLLOWS_FROM parent stays a link, as in otelcol
  EXPECT_EQ(span.links(0).attributes(0).value().string_value(), "follows_from");
  ASSERT_EQ(span.attributes_size(), 2);
  EXPECT_EQ(span.attributes(0).key(), "other");
  EXPECT_EQ(span.attributes(1).key(), "dup");
  EXPECT_EQ(span.attributes(1).value().string_value(), "last");
}

// The wire writer's bytes are the serialization of what ResourceSpansToBatch builds, resource
// for resource, over spans that use every mapped field and each special case.
TEST(JaegerFromOtlp, WireRequestsAreTheModelsBytes) {
  otlp::ExportRequest request;
  *request.add_resource_spans() = FullResourceSpans();
  // A resource without service.name, a second scope, a link to the parent that is CHILD_OF, an
  // event attribute named "event", OK status, unspecified kind, flags 0, a negative duration.
  auto rs = FullResourceSpans();
  rs.mutable_resource()->mutable_attributes()->DeleteSubrange(1, 1);
  auto* span = rs.mutable_scope_spans(0)->mutable_spans(0);
  span->set_flags(0);
  span->set_kind(otlp::Span::SPAN_KIND_UNSPECIFIED);
  span->mutable_status()->set_code(otlp::SpanStatus::STATUS_CODE_OK);
  span->mutable_status()->clear_message();
  span->set_end_time_unix_nano(span->start_time_unix_nano() - 1500000000);
  auto* link = span->add_links();
  link->set_trace_id(kTraceId);
  link->set_span_id(kParentId);
  auto* ref = link->add_attributes();
  ref->set_key("opentracing.ref_type");
  ref->mutable_value()->set_string_value("child_of");
  auto* named = span->mutable_events(0)->add_attributes();
  named->set_key("event");
  named->mutable_value()->set_string_value("custom");
  *rs.add_scope_spans() = rs.scope_spans(0);
  rs.mutable_scope_spans(1)->mutable_scope()->Clear();
  rs.mutable_scope_spans(1)->mutable_spans(0)->clear_parent_span_id();
  *request.add_resource_spans() = rs;
  request.add_resource_spans();  // a resource without spans sends nothing
  const pipeline::TraceBatch batch = pipeline::TraceBatch::FromRequest(request);
  std::vector<std::string> sent;
  ASSERT_TRUE(ForEachPostSpansRequest(batch, [&](std::string&& bytes) {
                sent.push_back(std::move(bytes));
                return absl::OkStatus();
              }).ok());
  ASSERT_EQ(sent.size(), 2u);
  for (int r = 0; r < 2; ++r) {
    model::PostSpansRequest want;
    ResourceSpansToBatch(request.resource_spans(r), want.mutable_batch());
    EXPECT_EQ(absl::BytesToHexString(sent[r]), absl::BytesToHexString(want.SerializeAsString()))
        << "resource " << r;
  }
  // A failing send stops the walk.
  int calls = 0;
  EXPECT_FALSE(ForEachPostSpansRequest(batch, [&](std::string&&) {
                 ++calls;
                 return absl::UnavailableError("down");
               }).ok());
  EXPECT_EQ(calls, 1);
}

TEST(JaegerFromOtlp, SampledFlag) {
  auto rs = FullResourceSpans();
  rs.mutable_scope_spans(0)->mutable_spans(0)->set_flags(0x301);
  model::Batch batch;
  ResourceSpansToBatch(rs, &batch);
  EXPECT_EQ(batch.spans(0).flags(), 1u);
  rs.mutable_scope_spans(0)->mutable_spans(0)->set_flags(0x300);
  ResourceSpansToBatch(rs, &batch);
  EXPECT_EQ(batch.spans(0).flags(), 0u);
  rs.mutable_scope_spans(0)->mutable_spans(0)->set_flags(0);  // flags not set by the sender
  ResourceSpansToBatch(rs, &batch);
  EXPECT_EQ(batch.spans(0).flags(), 1u);
}

TEST(JaegerToOtlp, TimesSaturateInsteadOfOverflowing) {
  auto batch = Parse<model::Batch>(R"pb(spans {
                                          start_time { seconds: 1700000000 }
                                          duration { seconds: 9000000000000000000 }
                                        }
                                        spans {
                                          start_time { seconds: -5 }
                                          duration { seconds: -10 }
                                        })pb");
  for (auto& s : *batch.mutable_spans()) {
    s.set_trace_id(kTraceId);
    s.set_span_id(kSpanId);
  }
  otlp::ExportRequest out;
  ASSERT_TRUE(BatchToResourceSpans(std::move(batch), &out).ok());
  const auto& spans = out.resource_spans(0).scope_spans(0).spans();
  EXPECT_EQ(spans[0].end_time_unix_nano(), UINT64_MAX);
  EXPECT_EQ(spans[1].start_time_unix_nano(), 0u);
  EXPECT_EQ(spans[1].end_time_unix_nano(), 0u);
}

TEST(JaegerToOtlp, IdsOfWrongLengthAreRefused) {
  auto batch = Parse<model::Batch>(R"pb(spans { trace_id: "abc" span_id: "12345678" })pb");
  otlp::ExportRequest out;
  auto status = BatchToResourceSpans(std::move(batch), &out);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("spans[0].trace_id: 3 bytes"));
  EXPECT_EQ(out.resource_spans_size(), 0);
  batch = Parse<model::Batch>(R"pb(spans { trace_id: "12345678" span_id: "1234" })pb");
  status = BatchToResourceSpans(std::move(batch), &out);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("spans[0].span_id: 4 bytes"));
}

}  // namespace
}  // namespace weir::jaeger
