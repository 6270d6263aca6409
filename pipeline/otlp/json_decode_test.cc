#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/json_test_util.h"
#include "pipeline/otlp/wire_scan.h"

namespace weir::otlp::json_testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kCollectorFixture[] = R"json({"resourceSpans":[{"resource":{"attributes":[
{"key":"service.name","value":{"stringValue":"frontend"}},
{"key":"host.cpus","value":{"intValue":"8"}}]},
"scopeSpans":[{"scope":{"name":"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
"version":"0.45.0"},"spans":[
{"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00f067aa0ba902b7","parentSpanId":"",
"flags":257,"name":"HTTP GET","kind":3,"startTimeUnixNano":"1700000000000000000",
"endTimeUnixNano":"1700000000250000000","attributes":[
{"key":"http.method","value":{"stringValue":"GET"}},
{"key":"http.status_code","value":{"intValue":"503"}},
{"key":"retry","value":{"boolValue":true}},
{"key":"load","value":{"doubleValue":0.75}}],
"droppedAttributesCount":2,
"events":[{"timeUnixNano":"1700000000100000000","name":"exception","attributes":[
{"key":"exception.message","value":{"stringValue":"connection reset"}}]}],
"links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
"traceState":"rojo=00f067aa0ba902b7","flags":1}],
"status":{"message":"upstream unavailable","code":2}},
{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"b7ad6b7169203331",
"parentSpanId":"00f067aa0ba902b7","name":"db.query","kind":1,
"startTimeUnixNano":"1700000000010000000","endTimeUnixNano":"1700000000020000000","status":{}}
]}],"schemaUrl":"https://opentelemetry.io/schemas/1.21.0"}]}
)json";

TEST(OtlpJsonTest, DecodesCollectorFileExporterOutput) {
  const ExportRequest got = Parse(kCollectorFixture);

  ExportRequest want = FromText(R"pb(
    resource_spans {
      resource {
        attributes {
          key: "service.name"
          value { string_value: "frontend" }
        }
        attributes {
          key: "host.cpus"
          value { int_value: 8 }
        }
      }
      scope_spans {
        scope {
          name: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
          version: "0.45.0"
        }
        spans {
          flags: 257
          name: "HTTP GET"
          kind: SPAN_KIND_CLIENT
          start_time_unix_nano: 1700000000000000000
          end_time_unix_nano: 1700000000250000000
          attributes {
            key: "http.method"
            value { string_value: "GET" }
          }
          attributes {
            key: "http.status_code"
            value { int_value: 503 }
          }
          attributes {
            key: "retry"
            value { bool_value: true }
          }
          attributes {
            key: "load"
            value { double_value: 0.75 }
          }
          dropped_attributes_count: 2
          events {
            time_unix_nano: 1700000000100000000
            name: "exception"
            attributes {
              key: "exception.message"
              value { string_value: "connection reset" }
            }
          }
          links { trace_state: "rojo=00f067aa0ba902b7" flags: 1 }
          status { message: "upstream unavailable" code: STATUS_CODE_ERROR }
        }
        spans {
          name: "db.query"
          kind: SPAN_KIND_INTERNAL
          start_time_unix_nano: 1700000000010000000
          end_time_unix_nano: 1700000000020000000
          status {}
        }
      }
      schema_url: "https://opentelemetry.io/schemas/1.21.0"
    }
  )pb");
  auto* spans = want.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  (*spans)[0].set_trace_id(Bytes(kLinkTraceIdHex));
  (*spans)[0].set_span_id(Bytes(kLinkSpanIdHex));
  (*spans)[0].mutable_links(0)->set_trace_id(Bytes(kTraceIdHex));
  (*spans)[0].mutable_links(0)->set_span_id(Bytes(kSpanIdHex));
  (*spans)[1].set_trace_id(Bytes(kLinkTraceIdHex));
  (*spans)[1].set_span_id(Bytes("b7ad6b7169203331"));
  (*spans)[1].set_parent_span_id(Bytes(kLinkSpanIdHex));

  EXPECT_TRUE(MessageDifferencer::Equals(want, got)) << got.DebugString();
  // Spot checks, independent of the differencer.
  const Span& root = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(absl::BytesToHexString(root.trace_id()), kLinkTraceIdHex);
  EXPECT_TRUE(root.parent_span_id().empty());
  EXPECT_EQ(root.kind(), Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(root.end_time_unix_nano(), 1700000000250000000u);
  EXPECT_EQ(root.status().code(), SpanStatus::STATUS_CODE_ERROR);
  EXPECT_TRUE(got.resource_spans(0).scope_spans(0).spans(1).has_status());
}

TEST(OtlpJsonTest, AcceptsSnakeCaseKeys) {
  const ExportRequest got = Parse(R"({"resource_spans":[{"resource":{
    "attributes":[{"key":"k","value":{"string_value":"s"}},{"key":"b","value":{"bool_value":true}},
      {"key":"i","value":{"int_value":"5"}},{"key":"d","value":{"double_value":2.5}},
      {"key":"by","value":{"bytes_value":"AQ=="}},
      {"key":"a","value":{"array_value":{"values":[{"int_value":1}]}}},
      {"key":"kv","value":{"kvlist_value":{"values":[{"key":"x","value":{"int_value":2}}]}}}],
    "dropped_attributes_count":1},
    "scope_spans":[{"scope":{"name":"n","dropped_attributes_count":2},"schema_url":"u2",
      "spans":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174",
        "parent_span_id":"eee19b7ec3c1b173","trace_state":"ts",
        "start_time_unix_nano":"1","end_time_unix_nano":"2","dropped_attributes_count":3,
        "events":[{"time_unix_nano":"4","dropped_attributes_count":5}],"dropped_events_count":6,
        "links":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174",
          "trace_state":"lts","dropped_attributes_count":7}],
        "dropped_links_count":8}]}],
    "schema_url":"u1"}]})");

  ExportRequest want = FromText(R"pb(
    resource_spans {
      resource {
        attributes {
          key: "k"
          value { string_value: "s" }
        }
        attributes {
          key: "b"
          value { bool_value: true }
        }
        attributes {
          key: "i"
          value { int_value: 5 }
        }
        attributes {
          key: "d"
          value { double_value: 2.5 }
        }
        attributes {
          key: "by"
          value { bytes_value: "\x01" }
        }
        attributes {
          key: "a"
          value { array_value { values { int_value: 1 } } }
        }
        attributes {
          key: "kv"
          value {
            kvlist_value {
              values {
                key: "x"
                value { int_value: 2 }
              }
            }
          }
        }
        dropped_attributes_count: 1
      }
      scope_spans {
        scope { name: "n" dropped_attributes_count: 2 }
        spans {
          trace_state: "ts"
          start_time_unix_nano: 1
          end_time_unix_nano: 2
          dropped_attributes_count: 3
          events { time_unix_nano: 4 dropped_attributes_count: 5 }
          dropped_events_count: 6
          links { trace_state: "lts" dropped_attributes_count: 7 }
          dropped_links_count: 8
        }
        schema_url: "u2"
      }
      schema_url: "u1"
    }
  )pb");
  Span* span = want.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->set_trace_id(Bytes(kTraceIdHex));
  span->set_span_id(Bytes(kSpanIdHex));
  span->set_parent_span_id(Bytes(kParentIdHex));
  span->mutable_links(0)->set_trace_id(Bytes(kTraceIdHex));
  span->mutable_links(0)->set_span_id(Bytes(kSpanIdHex));
  EXPECT_TRUE(MessageDifferencer::Equals(want, got)) << got.DebugString();
}

TEST(OtlpJsonTest, AcceptsNumbersForSixtyFourBitFields) {
  const ExportRequest got = Parse(SpanJson(
      R"("startTimeUnixNano":18446744073709551615,"endTimeUnixNano":1.7e18,)"
      R"("events":[{"timeUnixNano":12}],"flags":"3","droppedLinksCount":"4",)"
      R"("attributes":[{"key":"i","value":{"intValue":-42}},)"
      R"({"key":"s","value":{"intValue":"-9223372036854775808"}},)"
      R"({"key":"d","value":{"doubleValue":"2.5"}},{"key":"n","value":{"doubleValue":7}}])"));
  const Span& span = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.start_time_unix_nano(), 18446744073709551615u);
  EXPECT_EQ(span.end_time_unix_nano(), 1700000000000000000u);
  EXPECT_EQ(span.events(0).time_unix_nano(), 12u);
  EXPECT_EQ(span.flags(), 3u);
  EXPECT_EQ(span.dropped_links_count(), 4u);
  EXPECT_EQ(span.attributes(0).value().int_value(), -42);
  EXPECT_EQ(span.attributes(1).value().int_value(), INT64_MIN);
  EXPECT_EQ(span.attributes(2).value().double_value(), 2.5);
  EXPECT_EQ(span.attributes(3).value().double_value(), 7.0);
}

TEST(OtlpJsonTest, ReadsDoublesExactly) {
  const ExportRequest got = Parse(SpanJson(
      R"("attributes":[{"value":{"doubleValue":0.0e-30}},{"value":{"doubleValue":1e-400}},)"
      R"({"value":{"doubleValue":-1e-400}},{"value":{"doubleValue":5e-324}},)"
      R"({"value":{"doubleValue":0.1}},{"value":{"doubleValue":123456789012345678901234567890}},)"
      R"({"value":{"doubleValue":2.2250738585072011e-308}}])"));
  const auto& attributes = got.resource_spans(0).scope_spans(0).spans(0).attributes();
  EXPECT_EQ(attributes[0].value().double_value(), 0.0);
  EXPECT_EQ(attributes[1].value().double_value(), 0.0);
  EXPECT_EQ(attributes[2].value().double_value(), 0.0);
  EXPECT_TRUE(std::signbit(attributes[2].value().double_value()));
  EXPECT_EQ(attributes[3].value().double_value(), 5e-324);
  EXPECT_EQ(attributes[4].value().double_value(), 0.1);
  EXPECT_EQ(attributes[5].value().double_value(), 123456789012345678901234567890.0);
  EXPECT_EQ(attributes[6].value().double_value(), 2.2250738585072011e-308);

  EXPECT_EQ(ParseError(SpanJson(R"("attributes":[{"value":{"doubleValue":1e400}}])")),
            "invalid JSON at offset 82: Number too big to be stored in double.");
}

TEST(OtlpJsonTest, RoundTripsRandomDoublesBitForBit) {
  ExportRequest request;
  auto* attributes = request.add_resource_spans()->mutable_resource()->mutable_attributes();
  std::mt19937_64 rng(1);
  for (int i = 0; i < 5000; ++i) {
    double d;
    do {
      const uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof(d));
    } while (!std::isfinite(d));
    attributes->Add()->mutable_value()->set_double_value(d);
  }
  const ExportRequest decoded = Parse(ToJson(request));
  const auto& got = decoded.resource_spans(0).resource().attributes();
  ASSERT_EQ(got.size(), attributes->size());
  for (int i = 0; i < got.size(); ++i) {
    const double want = (*attributes)[i].value().double_value();
    const double have = got[i].value().double_value();
    ASSERT_EQ(std::memcmp(&want, &have, sizeof(double)), 0) << want << " vs " << have;
  }
}

TEST(OtlpJsonTest, AcceptsEnumNames) {
  const ExportRequest got =
      Parse(SpanJson(R"("kind":"SPAN_KIND_PRODUCER","status":{"code":"STATUS_CODE_OK"})"));
  const Span& span = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.kind(), Span::SPAN_KIND_PRODUCER);
  EXPECT_EQ(span.status().code(), SpanStatus::STATUS_CODE_OK);

  // Proto3 enums are open: unknown numbers are kept as they are.
  EXPECT_EQ(Parse(SpanJson(R"("kind":42)")).resource_spans(0).scope_spans(0).spans(0).kind(), 42);
  EXPECT_EQ(ParseError(SpanJson(R"("kind":"SPAN_KIND_BOGUS")")),
            absl::StrCat(kSpanPath, R"(.kind: unknown enum value "SPAN_KIND_BOGUS")"));
}

TEST(OtlpJsonTest, AcceptsAlternativeBase64Forms) {
  const ExportRequest got = Parse(
      SpanJson(R"("attributes":[{"value":{"bytesValue":"-_8"}},{"value":{"bytesValue":"+/8"}}])"));
  const Span& span = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.attributes(0).value().bytes_value(), "\xfb\xff");
  EXPECT_EQ(span.attributes(1).value().bytes_value(), "\xfb\xff");
}

TEST(OtlpJsonTest, IgnoresUnknownFields) {
  std::string deep_unknown(100000, '[');
  deep_unknown.append(100000, ']');
  const ExportRequest got = Parse(absl::StrCat(
      R"({"extra":{"a":[1,{"b":null}]},"deep":)", deep_unknown, R"(,"resourceSpans":[{"x":1,)",
      R"("resource":{"y":"z","attributes":[)",
      R"({"key":"k","u":[],"value":{"stringValue":"v","w":2}}]},)",
      R"("instrumentationLibrarySpans":[{"spans":[{}]}],)",
      R"("scopeSpans":[{"scope":{"q":true},"spans":[{"name":"s","unknownField":{"nested":[]},)",
      R"("events":[{"e":1}],"links":[{"l":1}],"status":{"s":1}}]}]}]})"));
  ExportRequest want = FromText(R"pb(
    resource_spans {
      resource {
        attributes {
          key: "k"
          value { string_value: "v" }
        }
      }
      scope_spans {
        scope {}
        spans {
          name: "s"
          events {}
          links {}
          status {}
        }
      }
    }
  )pb");
  EXPECT_TRUE(MessageDifferencer::Equals(want, got)) << got.DebugString();
}

TEST(OtlpJsonTest, NullMeansDefault) {
  const ExportRequest got =
      Parse(R"({"resourceSpans":[{"resource":null,"schemaUrl":null,"scopeSpans":[{"spans":[)"
            R"({"traceId":null,"name":null,"kind":null,"startTimeUnixNano":null,"attributes":null,)"
            R"("status":null}]}]}]})");
  ExportRequest want = FromText(R"pb(resource_spans { scope_spans { spans {} } })pb");
  EXPECT_TRUE(MessageDifferencer::Equals(want, got)) << got.DebugString();
}

TEST(OtlpJsonTest, EmptyIdStringMeansNoId) {
  const ExportRequest got = Parse(SpanJson(
      R"("traceId":"","spanId":"","parentSpanId":"","links":[{"traceId":"","spanId":""}])"));
  const Span& span = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_TRUE(span.trace_id().empty());
  EXPECT_TRUE(span.span_id().empty());
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_TRUE(span.links(0).trace_id().empty());
  EXPECT_TRUE(span.links(0).span_id().empty());
}

TEST(OtlpJsonTest, ClearsOutputBeforeParsing) {
  ExportRequest request = EveryFieldRequest();
  ASSERT_TRUE(ParseRequestJson("{}", &request).ok());
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(OtlpJsonTest, AcceptsTracesDataOnArena) {
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<ExportRequest>(&arena);
  ASSERT_TRUE(ParseRequestJson(ToJson(EveryFieldRequest()), request).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(EveryFieldRequest(), *request));
}

TEST(OtlpJsonErrorTest, InvalidJsonReportsOffset) {
  EXPECT_EQ(ParseError(R"({"resourceSpans":[})"), "invalid JSON at offset 18: Invalid value.");
  EXPECT_THAT(ParseError(""), StartsWith("invalid JSON at offset 0: "));
  EXPECT_THAT(ParseError("{} {}"), StartsWith("invalid JSON at offset 3: "));
  EXPECT_THAT(ParseError(std::string_view("{}\0{", 4)), StartsWith("invalid JSON at offset 2: "));
}

TEST(OtlpJsonErrorTest, RejectsInvalidUtf8InStrings) {
  EXPECT_EQ(ParseError("{\"resourceSpans\":[{\"schemaUrl\":\"ok \xff\"}]}"),
            "resourceSpans[0].schemaUrl: invalid UTF-8");
  // An unpaired low surrogate escape decodes to a UTF-8 surrogate, which is not valid UTF-8.
  EXPECT_EQ(ParseError(SpanJson(R"("attributes":[{"key":"\udc00"}])")),
            absl::StrCat(kSpanPath, ".attributes[0].key: invalid UTF-8"));
  // Valid multi-byte text, raw and escaped, passes.
  const ExportRequest got = Parse(SpanJson(R"("name":"h\u00e9llo w\ud83d\ude80rld \u00e9\u4e2d")"));
  EXPECT_EQ(got.resource_spans(0).scope_spans(0).spans(0).name(),
            "h\xc3\xa9llo w\xf0\x9f\x9a\x80rld \xc3\xa9\xe4\xb8\xad");
  // Unknown fields are skipped without being checked.
  Parse("{\"x\":\"\xff\"}");
}

TEST(OtlpJsonErrorTest, RejectsNonObjectRoot) {
  EXPECT_EQ(ParseError("[]"), "expected a JSON object");
  EXPECT_EQ(ParseError(R"({"resourceSpans":{}})"), "resourceSpans: expected an array");
  EXPECT_EQ(ParseError(R"({"resourceSpans":[1]})"), "resourceSpans[0]: expected an object");
}

TEST(OtlpJsonErrorTest, RejectsBadHex) {
  EXPECT_EQ(
      ParseError(SpanJson(R"("traceId":"5b8efff798038103d269b633813fc6zz")")),
      absl::StrCat(kSpanPath, ".traceId: expected 32 hex digits, got a non-hex character at 30"));
  EXPECT_EQ(
      ParseError(SpanJson(R"("links":[{},{"spanId":"eee19b7ec3c1b17 "}])")),
      absl::StrCat(kSpanPath,
                   ".links[1].spanId: expected 16 hex digits, got a non-hex character at 15"));
}

TEST(OtlpJsonErrorTest, RejectsWrongIdLength) {
  EXPECT_EQ(ParseError(SpanJson(R"("traceId":"5b8efff798038103d269b633813fc6")")),
            absl::StrCat(kSpanPath, ".traceId: expected 32 hex digits, got 30 characters"));
  EXPECT_EQ(ParseError(SpanJson(R"("spanId":"5b8efff798038103d269b633813fc60c")")),
            absl::StrCat(kSpanPath, ".spanId: expected 16 hex digits, got 32 characters"));
  EXPECT_EQ(ParseError(SpanJson(R"("parent_span_id":"eee1")")),
            absl::StrCat(kSpanPath, ".parentSpanId: expected 16 hex digits, got 4 characters"));
  EXPECT_EQ(
      ParseError(SpanJson(R"("links":[{"traceId":"eee19b7ec3c1b174"}])")),
      absl::StrCat(kSpanPath, ".links[0].traceId: expected 32 hex digits, got 16 characters"));
}

TEST(OtlpJsonErrorTest, RejectsWrongTypesWithPath) {
  EXPECT_EQ(ParseError(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{},{},)"
                       R"({"startTimeUnixNano":true}]}]}]})"),
            "resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: expected an integer");
  EXPECT_EQ(ParseError(SpanJson(R"("name":5)")),
            absl::StrCat(kSpanPath, ".name: expected a string"));
  EXPECT_EQ(ParseError(SpanJson(R"("endTimeUnixNano":"12x")")),
            absl::StrCat(kSpanPath, ".endTimeUnixNano: expected an integer"));
  EXPECT_EQ(ParseError(SpanJson(R"("endTimeUnixNano":1.5)")),
            absl::StrCat(kSpanPath, ".endTimeUnixNano: expected an integer"));
  EXPECT_EQ(ParseError(SpanJson(R"("startTimeUnixNano":"-1")")),
            absl::StrCat(kSpanPath, ".startTimeUnixNano: integer out of range"));
  EXPECT_EQ(ParseError(SpanJson(R"("startTimeUnixNano":18446744073709551616)")),
            absl::StrCat(kSpanPath, ".startTimeUnixNano: integer out of range"));
  EXPECT_EQ(ParseError(SpanJson(R"("startTimeUnixNano":"18446744073709551616")")),
            absl::StrCat(kSpanPath, ".startTimeUnixNano: integer out of range"));
  EXPECT_EQ(ParseError(SpanJson(R"("flags":4294967296)")),
            absl::StrCat(kSpanPath, ".flags: integer out of range"));
  EXPECT_EQ(ParseError(SpanJson(R"("kind":[])")),
            absl::StrCat(kSpanPath, ".kind: expected an integer or an enum name"));
  EXPECT_EQ(ParseError(SpanJson(R"("status":{"code":true})")),
            absl::StrCat(kSpanPath, ".status.code: expected an integer or an enum name"));
  EXPECT_EQ(ParseError(SpanJson(R"("events":[{"name":{}}])")),
            absl::StrCat(kSpanPath, ".events[0].name: expected a string"));
  EXPECT_EQ(ParseError(SpanJson(
                R"("attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}])")),
            absl::StrCat(kSpanPath, ".attributes[0].value.intValue: integer out of range"));
  EXPECT_EQ(ParseError(SpanJson(R"("attributes":[{"key":"k","value":{"boolValue":"true"}}])")),
            absl::StrCat(kSpanPath, ".attributes[0].value.boolValue: expected a boolean"));
  EXPECT_EQ(ParseError(SpanJson(R"("attributes":[{"value":{"doubleValue":"fast"}}])")),
            absl::StrCat(kSpanPath, ".attributes[0].value.doubleValue: expected a number"));
  EXPECT_EQ(ParseError(SpanJson(R"("attributes":[{"value":{"bytesValue":"A"}}])")),
            absl::StrCat(kSpanPath, ".attributes[0].value.bytesValue: invalid base64"));
  EXPECT_EQ(
      ParseError(SpanJson(R"("attributes":[{"value":{"kvlistValue":{"values":[{"key":1}]}}}])")),
      absl::StrCat(kSpanPath, ".attributes[0].value.kvlistValue.values[0].key: expected a string"));
  EXPECT_EQ(
      ParseError(SpanJson(R"("attributes":[{"value":{"arrayValue":{"values":[{},[]]}}}])")),
      absl::StrCat(kSpanPath, ".attributes[0].value.arrayValue.values[1]: expected an object"));
  EXPECT_EQ(ParseError(R"({"resourceSpans":[{"resource":{"droppedAttributesCount":-1}}]})"),
            "resourceSpans[0].resource.droppedAttributesCount: integer out of range");
  EXPECT_EQ(ParseError(R"({"resourceSpans":[{"scopeSpans":[{"scope":{"version":false}}]}]})"),
            "resourceSpans[0].scopeSpans[0].scope.version: expected a string");
}

// Nests `levels` AnyValues: arrayValue within arrayValue, ending in an int.
std::string NestedArrays(int levels) {
  std::string value = R"({"intValue":"1"})";
  for (int i = 1; i < levels; ++i)
    value = absl::StrCat(R"({"arrayValue":{"values":[)", value, "]}}");
  return SpanJson(absl::StrCat(R"("attributes":[{"key":"deep","value":)", value, "}]"));
}

TEST(OtlpJsonErrorTest, RejectsTooDeepNesting) {
  // A span attribute's AnyValue sits at message depth 5 and each array level adds 2, so 48
  // levels put the innermost AnyValue at 99, within protobuf's limit of 100, and 49 at 101.
  const ExportRequest ok = Parse(NestedArrays(48));
  EXPECT_EQ(ok.resource_spans(0).scope_spans(0).spans(0).attributes_size(), 1);

  const std::string message = ParseError(NestedArrays(49));
  EXPECT_THAT(message, StartsWith(absl::StrCat(
                           kSpanPath, ".attributes[0].value.arrayValue.values[0].arrayValue")));
  EXPECT_THAT(message, HasSubstr(": messages nested deeper than 100 levels"));
  EXPECT_THAT(message, HasSubstr(wire::NestingLimitError()));

  // Far deeper input fails the same way instead of overflowing the stack.
  EXPECT_THAT(ParseError(NestedArrays(5000)), HasSubstr(wire::NestingLimitError()));

  std::string kvlists = R"({"intValue":"1"})";
  for (int i = 0; i < 100; ++i) {
    kvlists = absl::StrCat(R"({"kvlistValue":{"values":[{"key":"k","value":)", kvlists, "}]}}");
  }
  EXPECT_THAT(ParseError(SpanJson(absl::StrCat(R"("attributes":[{"value":)", kvlists, "}]"))),
              HasSubstr(wire::NestingLimitError()));
}

// JSON nesting an AnyValue `levels` deep (arrays, or kvlists when `kvlist`) in the attributes
// of a resource, a scope, a span, an event or a link.
std::string NestedValueJson(int where, int levels, bool kvlist) {
  std::string value = R"({"intValue":"1"})";
  for (int i = 1; i < levels; ++i) {
    value = kvlist ? absl::StrCat(R"({"kvlistValue":{"values":[{"key":"k","value":)", value, "}]}}")
                   : absl::StrCat(R"({"arrayValue":{"values":[)", value, "]}}");
  }
  const std::string attributes =
      absl::StrCat(R"("attributes":[{"key":"deep","value":)", value, "}]");
  switch (where) {
    case 0:
      return absl::StrCat(R"({"resourceSpans":[{"resource":{)", attributes, "}}]}");
    case 1:
      return absl::StrCat(R"({"resourceSpans":[{"scopeSpans":[{"scope":{)", attributes, "}}]}]}");
    case 2:
      return SpanJson(attributes);
    case 3:
      return SpanJson(absl::StrCat(R"("events":[{)", attributes, "}]"));
    default:
      return SpanJson(absl::StrCat(R"("links":[{)", attributes, "}]"));
  }
}

// The attribute NestedValueJson(where, ...) nests its value in.
KeyValue* DeepAttribute(ExportRequest* request, int where) {
  ResourceSpans* rs = request->mutable_resource_spans(0);
  if (where == 0) return rs->mutable_resource()->mutable_attributes(0);
  ScopeSpans* ss = rs->mutable_scope_spans(0);
  if (where == 1) return ss->mutable_scope()->mutable_attributes(0);
  Span* span = ss->mutable_spans(0);
  if (where == 2) return span->mutable_attributes(0);
  if (where == 3) return span->mutable_events(0)->mutable_attributes(0);
  return span->mutable_links(0)->mutable_attributes(0);
}

// One limit for both decoders: whatever nesting the JSON decoder accepts, its protobuf
// encoding passes the wire scan and protobuf's parser, and where one level more is refused in
// JSON, the same level in protobuf is refused by the scan, with the same message.
TEST(OtlpJsonErrorTest, NestingLimitIsTheWireScans) {
  for (bool kvlist : {false, true}) {
    for (int where = 0; where < 5; ++where) {
      bool accepted_some = false, refused_some = false;
      for (int levels = 25; levels <= 55; ++levels) {
        SCOPED_TRACE(absl::StrCat("kvlist ", kvlist, " where ", where, " levels ", levels));
        ExportRequest decoded;
        if (!ParseRequestJson(NestedValueJson(where, levels, kvlist), &decoded).ok()) {
          refused_some = true;
          continue;
        }
        accepted_some = true;
        wire::Index index;
        ExportRequest parsed;
        EXPECT_TRUE(wire::ScanRequest(decoded.SerializeAsString(), &index).ok());
        EXPECT_TRUE(parsed.ParseFromString(decoded.SerializeAsString()));

        // The same request one level deeper, built in protobuf.
        KeyValue* attribute = DeepAttribute(&decoded, where);
        AnyValue inner = attribute->value();
        AnyValue* outer = attribute->mutable_value();
        if (kvlist) {
          KeyValue* kv = outer->mutable_kvlist_value()->add_values();
          kv->set_key("k");
          *kv->mutable_value() = inner;
        } else {
          *outer->mutable_array_value()->add_values() = inner;
        }
        const std::string deeper = decoded.SerializeAsString();
        const absl::Status json_deeper =
            ParseRequestJson(NestedValueJson(where, levels + 1, kvlist), &parsed);
        const absl::Status scan_deeper = wire::ScanRequest(deeper, &index);
        EXPECT_EQ(json_deeper.ok(), scan_deeper.ok()) << json_deeper << " / " << scan_deeper;
        if (!scan_deeper.ok()) {
          EXPECT_THAT(json_deeper.message(), HasSubstr(wire::NestingLimitError()));
          EXPECT_THAT(scan_deeper.message(), HasSubstr(wire::NestingLimitError()));
          EXPECT_FALSE(parsed.ParseFromString(deeper));
        }
      }
      EXPECT_TRUE(accepted_some);
      EXPECT_TRUE(refused_some);
    }
  }
}

TEST(OtlpJsonErrorTest, RefusalsCountTheirSpans) {
  ExportRequest out;
  const absl::Status s =
      ParseRequestJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"},{"name":"b"}]},)"
                       R"({"spans":[{"name":7}]}]}]})",
                       &out);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(wire::RefusedSpans(s), 3u);
}

TEST(OtlpJsonErrorTest, FailedParseLeavesOutputEmpty) {
  ExportRequest request;
  EXPECT_FALSE(
      ParseRequestJson(R"({"resourceSpans":[{"schemaUrl":"a"},{"schemaUrl":1}]})", &request).ok());
  EXPECT_EQ(request.resource_spans_size(), 0);
}

TEST(OtlpJsonResponseTest, DecodesResponseVariants) {
  ExportResponse response;
  ASSERT_TRUE(
      ParseResponseJson(
          R"({"partial_success":{"rejected_spans":2,"error_message":"e","x":[]},"y":1})", &response)
          .ok());
  EXPECT_EQ(response.partial_success().rejected_spans(), 2);
  EXPECT_EQ(response.partial_success().error_message(), "e");

  ASSERT_TRUE(ParseResponseJson(R"({"partialSuccess":null})", &response).ok());
  EXPECT_FALSE(response.has_partial_success());
}

TEST(OtlpJsonResponseTest, RejectsBadResponses) {
  ExportResponse response;
  absl::Status status = ParseResponseJson(R"({"partialSuccess":{"rejectedSpans":"x"}})", &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "partialSuccess.rejectedSpans: expected an integer");

  status = ParseResponseJson(R"({"partialSuccess":[]})", &response);
  EXPECT_EQ(status.message(), "partialSuccess: expected an object");

  status = ParseResponseJson("{", &response);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("invalid JSON at offset 1: "));
}

}  // namespace
}  // namespace weir::otlp::json_testing
