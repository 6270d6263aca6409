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

namespace weir::otlp::json_testing {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(OtlpJsonTest, RoundTripsEveryField) {
  const ExportRequest original = EveryFieldRequest();
  const std::string json = ToJson(original);

  ExportRequest decoded;
  ASSERT_TRUE(ParseRequestJson(json, &decoded).ok()) << json;
  EXPECT_TRUE(MessageDifferencer::Equals(original, decoded)) << json << "\n"
                                                             << decoded.DebugString();
  // Encoding is deterministic, so a second trip gives identical text.
  EXPECT_EQ(ToJson(decoded), json);
}

TEST(OtlpJsonTest, RoundTripKeepsZeroValuedAnyValueMembers) {
  const std::string json = ToJson(EveryFieldRequest());
  EXPECT_THAT(json, HasSubstr(R"({"key":"string.zero","value":{"stringValue":""}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"bool.zero","value":{"boolValue":false}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"int.zero","value":{"intValue":"0"}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"double.zero","value":{"doubleValue":0}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"double.negzero","value":{"doubleValue":-0.0}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"bytes.zero","value":{"bytesValue":""}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"array.zero","value":{"arrayValue":{}}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"kvlist.zero","value":{"kvlistValue":{}}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"empty","value":{}})"));
  EXPECT_THAT(json, HasSubstr(R"({"key":"no value"})"));

  const ExportRequest decoded = Parse(json);
  const auto& attributes = decoded.resource_spans(0).scope_spans(0).spans(0).attributes();
  EXPECT_TRUE(std::signbit(attributes[11].value().double_value()));
  EXPECT_EQ(attributes[11].key(), "double.negzero");
}

TEST(OtlpJsonTest, EncodesSmallRequestExactly) {
  ExportRequest request = FromText(R"pb(
    resource_spans {
      resource {
        attributes {
          key: "service.name"
          value { string_value: "svc" }
        }
      }
      scope_spans {
        scope { name: "lib" }
        spans {
          name: "GET /"
          kind: SPAN_KIND_SERVER
          start_time_unix_nano: 1544712660000000000
          end_time_unix_nano: 1544712661000000000
          attributes {
            key: "http.status_code"
            value { int_value: 200 }
          }
          attributes {
            key: "ratio"
            value { double_value: 0.25 }
          }
          attributes {
            key: "raw"
            value { bytes_value: "\x00\xff" }
          }
          attributes {
            key: "ok"
            value { bool_value: true }
          }
          attributes {
            key: "list"
            value {
              array_value {
                values { string_value: "a" }
                values { int_value: -1 }
              }
            }
          }
          links { flags: 256 }
          status { message: "boom" code: STATUS_CODE_ERROR }
        }
      }
    }
  )pb");
  Span* span = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  span->set_trace_id(Bytes(kTraceIdHex));
  span->set_span_id(Bytes(kSpanIdHex));
  span->set_flags(1);

  std::string out = "prefix:";
  AppendRequestJson(request, &out);
  EXPECT_EQ(out,
            "prefix:"
            R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":)"
            R"({"stringValue":"svc"}}]},"scopeSpans":[{"scope":{"name":"lib"},"spans":[{)"
            R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
            R"("flags":1,"name":"GET /","kind":2,"startTimeUnixNano":"1544712660000000000",)"
            R"("endTimeUnixNano":"1544712661000000000","attributes":[)"
            R"({"key":"http.status_code","value":{"intValue":"200"}},)"
            R"({"key":"ratio","value":{"doubleValue":0.25}},)"
            R"({"key":"raw","value":{"bytesValue":"AP8="}},)"
            R"({"key":"ok","value":{"boolValue":true}},)"
            R"({"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},)"
            R"({"intValue":"-1"}]}}}],"links":[{"flags":256}],)"
            R"("status":{"message":"boom","code":2}}]}]}]})");
}

TEST(OtlpJsonTest, EncodesEmptyRequestAsEmptyObject) { EXPECT_EQ(ToJson(ExportRequest()), "{}"); }

TEST(OtlpJsonTest, EscapesStringsAndReplacesInvalidUtf8) {
  ExportRequest request;
  Span* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  // Includes a NUL, DEL (passed through), valid UTF-8, a stray byte and a truncated sequence.
  constexpr char kName[] = "q\"b\\n\nt\tc\x01\x1f\0 del\x7f \xc3\xa9 \xff end \xe2\x82";
  span->set_name(std::string(kName, sizeof(kName) - 1));
  EXPECT_EQ(ToJson(request), R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":)"
                             R"("q\"b\\n\nt\tc\u0001\u001f\u0000 del)"
                             "\x7f \xc3\xa9 "
                             R"(\ufffd end \ufffd\ufffd"}]}]}]})");
}

TEST(OtlpJsonTest, SpecialDoublesRoundTripAsStrings) {
  ExportRequest request;
  auto* attributes = request.add_resource_spans()->mutable_resource()->mutable_attributes();
  for (double d : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    attributes->Add()->mutable_value()->set_double_value(d);
  }
  const std::string json = ToJson(request);
  EXPECT_EQ(json,
            R"({"resourceSpans":[{"resource":{"attributes":[{"value":{"doubleValue":"NaN"}},)"
            R"({"value":{"doubleValue":"Infinity"}},{"value":{"doubleValue":"-Infinity"}}]}}]})");

  const ExportRequest decoded = Parse(json);
  const auto& got = decoded.resource_spans(0).resource().attributes();
  ASSERT_EQ(got.size(), 3);
  EXPECT_TRUE(std::isnan(got[0].value().double_value()));
  EXPECT_EQ(got[1].value().double_value(), HUGE_VAL);
  EXPECT_EQ(got[2].value().double_value(), -HUGE_VAL);
}

// The style the OpenTelemetry Collector's file exporter writes: hex ids, nanos as strings,
// integer enums, an empty parentSpanId for root spans and an empty status object.

TEST(OtlpJsonResponseTest, EncodesResponses) {
  EXPECT_EQ(ResponseToJson(ExportResponse()), "{}");

  ExportResponse response;
  response.mutable_partial_success();
  EXPECT_EQ(ResponseToJson(response), R"({"partialSuccess":{}})");

  response.mutable_partial_success()->set_rejected_spans(3);
  response.mutable_partial_success()->set_error_message("3 spans had \"bad\" ids");
  EXPECT_EQ(ResponseToJson(response),
            R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"3 spans had \"bad\" ids"}})");
}

TEST(OtlpJsonResponseTest, RoundTripsResponses) {
  for (const char* text : {"", "partial_success {}",
                           "partial_success { rejected_spans: 9223372036854775807 "
                           "error_message: \"too old\" }"}) {
    ExportResponse original;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &original));
    ExportResponse decoded;
    ASSERT_TRUE(ParseResponseJson(ResponseToJson(original), &decoded).ok());
    EXPECT_TRUE(MessageDifferencer::Equals(original, decoded)) << text;
  }
}

}  // namespace
}  // namespace weir::otlp::json_testing
