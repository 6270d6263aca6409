#include <algorithm>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/zipkin/from_otlp.h"
#include "pipeline/zipkin/json_v2.h"
#include "pipeline/zipkin/proto_v2.h"
#include "pipeline/zipkin/tags.h"
#include "pipeline/zipkin/to_otlp.h"

namespace weir::zipkin {
namespace {

// The value of the span's tag `key` ("<absent>" without one).
std::string Tag(const model::Span& span, absl::string_view key) {
  const std::string* value = FindTag(span.tags(), key);
  return value == nullptr ? "<absent>" : *value;
}
bool Has(const model::Span& span, absl::string_view key) {
  return FindTag(span.tags(), key) != nullptr;
}

using ::google::protobuf::TextFormat;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;

template <typename T>
T Parse(const std::string& text) {
  T message;
  EXPECT_TRUE(TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// A resource whose span uses every field the mapping carries without loss.
otlp::ResourceSpans FullResourceSpans() {
  return Parse<otlp::ResourceSpans>(R"pb(
    resource {
      attributes {
        key: "service.name"
        value { string_value: "checkout" }
      }
      attributes {
        key: "host.name"
        value { string_value: "h1" }
      }
    }
    scope_spans {
      scope { name: "io.weir.test" version: "1.2.3" }
      spans {
        trace_id: "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
        span_id: "\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8"
        parent_span_id: "\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8"
        name: "GET /cart"
        kind: SPAN_KIND_CLIENT
        start_time_unix_nano: 1700000000123456000
        end_time_unix_nano: 1700000001123457000
        trace_state: "vendor=x"
        attributes {
          key: "http.route"
          value { string_value: "/cart" }
        }
        attributes {
          key: "network.local.address"
          value { string_value: "10.0.0.1" }
        }
        attributes {
          key: "net.host.port"
          value { int_value: 8080 }
        }
        attributes {
          key: "service.peer.name"
          value { string_value: "cart-db" }
        }
        attributes {
          key: "network.peer.address"
          value { string_value: "2001:db8::7" }
        }
        attributes {
          key: "net.peer.port"
          value { int_value: 5432 }
        }
        events {
          time_unix_nano: 1700000000200000000
          name: "retry"
          attributes {
            key: "attempt"
            value { int_value: 2 }
          }
          attributes {
            key: "ok"
            value { bool_value: false }
          }
          attributes {
            key: "why"
            value { string_value: "a|b" }
          }
          dropped_attributes_count: 1
        }
        events { time_unix_nano: 1700000000300000000 name: "done" }
        links {
          trace_id: "\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20"
          span_id: "\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8"
          trace_state: "k=v"
          attributes {
            key: "ratio"
            value { double_value: 0.5 }
          }
        }
        status { code: STATUS_CODE_ERROR message: "card declined" }
      }
    }
  )pb");
}

TEST(ZipkinTranslate, OtlpToZipkinFollowsTheMapping) {
  model::ListOfSpans out;
  ASSERT_TRUE(AppendResourceSpans(FullResourceSpans(), {}, &out).ok());
  ASSERT_EQ(out.spans_size(), 1);
  const model::Span& s = out.spans(0);
  EXPECT_EQ(s.kind(), model::Span::CLIENT);
  EXPECT_EQ(s.name(), "GET /cart");
  EXPECT_EQ(s.timestamp(), 1700000000123456u);
  EXPECT_EQ(s.duration(), 1000001u);
  EXPECT_EQ(s.local_endpoint().service_name(), "checkout");
  EXPECT_EQ(s.local_endpoint().ipv4(), std::string("\x0a\x00\x00\x01", 4));
  EXPECT_EQ(s.local_endpoint().port(), 8080);
  EXPECT_EQ(s.remote_endpoint().service_name(), "cart-db");
  EXPECT_EQ(s.remote_endpoint().ipv6().size(), 16u);
  EXPECT_EQ(s.remote_endpoint().port(), 5432);
  auto tags = [&](const char* key) { return Tag(s, key); };
  EXPECT_EQ(tags("host.name"), "h1");
  EXPECT_EQ(tags("http.route"), "/cart");
  EXPECT_EQ(tags("otel.library.name"), "io.weir.test");
  EXPECT_EQ(tags("otel.library.version"), "1.2.3");
  EXPECT_EQ(tags("w3c.tracestate"), "vendor=x");
  EXPECT_EQ(tags("otel.status_code"), "ERROR");
  EXPECT_EQ(tags("error"), "card declined");
  EXPECT_EQ(tags("otel.status_description"), "card declined");
  EXPECT_EQ(tags("otlp.link.0"),
            "1112131415161718191a1b1c1d1e1f20|c1c2c3c4c5c6c7c8|k=v|{\"ratio\":0.5}|0");
  for (const char* gone : {"service.name", "network.local.address", "net.host.port",
                           "service.peer.name", "network.peer.address", "net.peer.port"}) {
    EXPECT_FALSE(Has(s, gone)) << gone;
  }
  ASSERT_EQ(s.annotations_size(), 2);
  EXPECT_EQ(s.annotations(0).value(), R"(retry|{"attempt":2,"ok":false,"why":"a|b"}|1)");
  EXPECT_EQ(s.annotations(0).timestamp(), 1700000000200000u);
  EXPECT_EQ(s.annotations(1).value(), "done");
}

TEST(ZipkinTranslate, RoundTripThroughJsonLosesNothing) {
  const otlp::ResourceSpans in = FullResourceSpans();
  model::ListOfSpans zipkin;
  ASSERT_TRUE(AppendResourceSpans(in, {}, &zipkin).ok());
  model::ListOfSpans decoded;
  ASSERT_TRUE(DecodeJsonV2(EncodeJsonV2(zipkin), 100, &decoded).ok());
  otlp::ExportRequest back;
  ASSERT_TRUE(SpansToResourceSpans(std::move(decoded), {.parse_string_tags = true}, &back).ok());
  ASSERT_EQ(back.resource_spans_size(), 1);
  // Attributes come back sorted after the endpoint ones; compare as sets.
  MessageDifferencer diff;
  diff.TreatAsSet(otlp::Span::descriptor()->FindFieldByName("attributes"));
  diff.TreatAsSet(otlp::Resource::descriptor()->FindFieldByName("attributes"));
  diff.TreatAsSet(otlp::SpanEvent::descriptor()->FindFieldByName("attributes"));
  std::string report;
  diff.ReportDifferencesToString(&report);
  EXPECT_TRUE(diff.Compare(in, back.resource_spans(0))) << report;
}

// The hand-written protobuf encoding is the bytes protobuf's serializer writes for the same
// spans (with tags in key order, as a map's deterministic serialization has them).
TEST(ZipkinTranslate, ProtoEncodingIsProtobufs) {
  model::ListOfSpans zipkin;
  ASSERT_TRUE(AppendResourceSpans(FullResourceSpans(), {}, &zipkin).ok());
  for (auto& span : *zipkin.mutable_spans()) {
    std::sort(span.mutable_tags()->pointer_begin(), span.mutable_tags()->pointer_end(),
              [](const model::Tag* a, const model::Tag* b) { return a->key() < b->key(); });
  }
  EXPECT_EQ(EncodeProtoV2(SpanList::Of(zipkin)), zipkin.SerializeAsString());
  model::ListOfSpans decoded;
  ASSERT_TRUE(decoded.ParseFromString(EncodeProtoV2(SpanList::Of(zipkin))));
  EXPECT_TRUE(MessageDifferencer::Equals(decoded, zipkin));
}

TEST(ZipkinTranslate, ServiceNameFallbacksAndDefault) {
  auto rs = Parse<otlp::ResourceSpans>(R"pb(
    resource {
      attributes {
        key: "faas.name"
        value { string_value: "fn" }
      }
    }
    scope_spans {
      spans {
        trace_id: "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
        span_id: "\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8"
        kind: SPAN_KIND_INTERNAL
      }
    }
  )pb");
  model::ListOfSpans out;
  ASSERT_TRUE(AppendResourceSpans(rs, {}, &out).ok());
  EXPECT_EQ(out.spans(0).local_endpoint().service_name(), "fn");
  EXPECT_EQ(Tag(out.spans(0), kServiceNameSource), "faas.name");
  EXPECT_EQ(Tag(out.spans(0), "span.kind"), "internal");
  EXPECT_EQ(out.spans(0).kind(), model::Span::SPAN_KIND_UNSPECIFIED);
  // Back: the name returns under faas.name, the kind from the tag.
  otlp::ExportRequest back;
  ASSERT_TRUE(SpansToResourceSpans(model::ListOfSpans(out), {}, &back).ok());
  const auto& attributes = back.resource_spans(0).resource().attributes();
  ASSERT_EQ(attributes.size(), 1);
  EXPECT_EQ(attributes[0].key(), "faas.name");
  EXPECT_EQ(back.resource_spans(0).scope_spans(0).spans(0).kind(), otlp::Span::SPAN_KIND_INTERNAL);

  rs.mutable_resource()->Clear();
  out.Clear();
  ASSERT_TRUE(AppendResourceSpans(rs, {.default_service_name = "fallback"}, &out).ok());
  EXPECT_EQ(out.spans(0).local_endpoint().service_name(), "fallback");
  out.Clear();
  ASSERT_TRUE(AppendResourceSpans(rs, {}, &out).ok());
  EXPECT_EQ(out.spans(0).local_endpoint().service_name(), kNoServiceName);
  back.Clear();
  ASSERT_TRUE(SpansToResourceSpans(std::move(out), {}, &back).ok());
  EXPECT_EQ(back.resource_spans(0).resource().attributes_size(), 0);
}

TEST(ZipkinTranslate, InvalidIdsAreRefused) {
  auto rs = FullResourceSpans();
  rs.mutable_scope_spans(0)->mutable_spans(0)->set_span_id("");
  model::ListOfSpans out;
  EXPECT_THAT(AppendResourceSpans(rs, {}, &out).message(), HasSubstr("span id is invalid"));
  EXPECT_EQ(out.spans_size(), 0);
  model::ListOfSpans bad;
  bad.add_spans()->set_trace_id("abc");
  bad.mutable_spans(0)->set_id("12345678");
  otlp::ExportRequest back;
  EXPECT_THAT(SpansToResourceSpans(std::move(bad), {}, &back).message(),
              HasSubstr("spans[0]: the trace id has 3 bytes"));
}

// What Zipkin clients send, read as otelcol reads it (where weir is not deliberately kinder).
TEST(ZipkinTranslate, ZipkinClientSpansToOtlp) {
  model::ListOfSpans spans;
  ASSERT_TRUE(DecodeJsonV2(R"([
    {"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","parentId":"6b221d5bc9e6496c",
     "kind":"SERVER","name":"get /api","timestamp":1556604172355737,"duration":1431,
     "localEndpoint":{"serviceName":"backend","ipv4":"192.168.99.1","port":3306},
     "remoteEndpoint":{"ipv4":"172.19.0.2","port":58648},
     "annotations":[{"timestamp":1556604172355800,"value":"wr"},
                    {"timestamp":1556604172355900,"value":"a|b|c"}],
     "tags":{"http.method":"GET","http.status_code":"200","error":"timeout",
             "otel.status_code":"ERROR","telemetry.sdk.language":"nodejs",
             "service.name":"backend","count":"12","ratio":"0.25","flag":"true","x":"-"}},
    {"traceId":"5af7183fb1d4cf5f","id":"452bff9a74ca9ad2","name":"no timestamp",
     "localEndpoint":{"serviceName":"backend"},"tags":{"telemetry.sdk.language":"java"}}
  ])",
                           100, &spans)
                  .ok());
  otlp::ExportRequest out;
  ASSERT_TRUE(SpansToResourceSpans(std::move(spans), {.parse_string_tags = true}, &out).ok());
  // Different resource tags make different resources, even for one service.
  ASSERT_EQ(out.resource_spans_size(), 2);
  const auto& resource = out.resource_spans(0).resource();
  ASSERT_EQ(resource.attributes_size(), 2);
  EXPECT_EQ(resource.attributes(0).key(), "service.name");
  EXPECT_EQ(resource.attributes(0).value().string_value(), "backend");
  EXPECT_EQ(resource.attributes(1).key(), "telemetry.sdk.language");
  const otlp::Span& s = out.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(s.trace_id(), std::string("\0\0\0\0\0\0\0\0\x5a\xf7\x18\x3f\xb1\xd4\xcf\x5f", 16));
  EXPECT_EQ(s.kind(), otlp::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(s.start_time_unix_nano(), 1556604172355737000u);
  EXPECT_EQ(s.end_time_unix_nano(), 1556604172357168000u);
  EXPECT_EQ(s.status().code(), otlp::SpanStatus::STATUS_CODE_ERROR);
  EXPECT_EQ(s.status().message(), "timeout");
  ASSERT_EQ(s.events_size(), 2);
  EXPECT_EQ(s.events(1).name(), "a|b|c");  // not an encoded event: kept whole
  std::map<std::string, otlp::AnyValue> attributes;
  for (const auto& a : s.attributes()) attributes[a.key()] = a.value();
  EXPECT_EQ(attributes["network.local.address"].string_value(), "192.168.99.1");
  EXPECT_EQ(attributes["net.host.port"].int_value(), 3306);
  EXPECT_EQ(attributes["network.peer.address"].string_value(), "172.19.0.2");
  EXPECT_EQ(attributes["net.peer.port"].int_value(), 58648);
  EXPECT_EQ(attributes["http.status_code"].int_value(), 200);
  EXPECT_EQ(attributes["count"].int_value(), 12);
  EXPECT_EQ(attributes["ratio"].double_value(), 0.25);
  EXPECT_TRUE(attributes["flag"].bool_value());
  EXPECT_EQ(attributes["x"].string_value(), "-");
  EXPECT_EQ(attributes.count("service.name"), 0u);
  EXPECT_EQ(attributes.count("error"), 0u);
  const otlp::Span& late = out.resource_spans(1).scope_spans(0).spans(0);
  EXPECT_EQ(late.start_time_unix_nano(), 0u);
  ASSERT_GE(late.attributes_size(), 1);
  EXPECT_EQ(late.attributes(0).key(), kStartTimeAbsent);
}

TEST(ZipkinTranslate, EncodedEventAttributesOfEveryType) {
  model::ListOfSpans spans;
  auto* s = spans.add_spans();
  s->set_trace_id(std::string(8, '\1'));
  s->set_id(std::string(8, '\2'));
  auto* a = s->add_annotations();
  a->set_timestamp(5);
  a->set_value(R"(e|{"a":[1,2.5,"x",{"k":true}],"n":null,"big":18446744073709551615}|2)");
  a = s->add_annotations();
  a->set_timestamp(6);
  a->set_value(R"(not|{"json"|3)");
  otlp::ExportRequest out;
  ASSERT_TRUE(SpansToResourceSpans(std::move(spans), {}, &out).ok());
  const auto& events = out.resource_spans(0).scope_spans(0).spans(0).events();
  ASSERT_EQ(events.size(), 2);
  EXPECT_EQ(events[0].name(), "e");
  EXPECT_EQ(events[0].time_unix_nano(), 5000u);
  EXPECT_EQ(events[0].dropped_attributes_count(), 2u);
  ASSERT_EQ(events[0].attributes_size(), 2);  // the null is left out
  const auto& array = events[0].attributes(0).value().array_value();
  ASSERT_EQ(array.values_size(), 4);
  EXPECT_EQ(array.values(0).int_value(), 1);
  EXPECT_EQ(array.values(1).double_value(), 2.5);
  EXPECT_EQ(array.values(2).string_value(), "x");
  EXPECT_TRUE(array.values(3).kvlist_value().values(0).value().bool_value());
  EXPECT_EQ(events[0].attributes(1).key(), "big");
  EXPECT_DOUBLE_EQ(events[0].attributes(1).value().double_value(), 18446744073709551615.0);
  EXPECT_EQ(events[1].name(), R"(not|{"json"|3)");  // not an encoded event: kept whole
}

TEST(ZipkinTranslate, StatusCodeSpellings) {
  for (const auto& [code, message, want] :
       std::vector<std::tuple<std::string, std::string, otlp::SpanStatus::StatusCode>>{
           {"STATUS_CODE_ERROR", "", otlp::SpanStatus::STATUS_CODE_ERROR},
           {"ERROR", "", otlp::SpanStatus::STATUS_CODE_ERROR},
           {"Ok", "", otlp::SpanStatus::STATUS_CODE_OK},
           {"STATUS_CODE_OK", "", otlp::SpanStatus::STATUS_CODE_OK},
           {"bogus", "", otlp::SpanStatus::STATUS_CODE_UNSET}}) {
    model::ListOfSpans spans;
    auto* s = spans.add_spans();
    s->set_trace_id(std::string(8, '\1'));
    s->set_id(std::string(8, '\2'));
    SetTag(s->mutable_tags(), "otel.status_code", code);
    otlp::ExportRequest out;
    ASSERT_TRUE(SpansToResourceSpans(std::move(spans), {}, &out).ok());
    EXPECT_EQ(out.resource_spans(0).scope_spans(0).spans(0).status().code(), want) << code;
  }
}

}  // namespace
}  // namespace weir::zipkin
