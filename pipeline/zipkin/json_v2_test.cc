#include "pipeline/zipkin/json_v2.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/zipkin/hex.h"
#include "pipeline/zipkin/tags.h"

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

using ::testing::HasSubstr;

TEST(ZipkinJson, HexIds) {
  std::string id;
  ASSERT_TRUE(ParseHexId("ABC", 16, &id));
  EXPECT_EQ(id, std::string("\0\0\0\0\0\0\x0a\xbc", 8));
  ASSERT_TRUE(ParseHexId("1000000000000000f", 32, &id));
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(HexId(id), "0000000000000001000000000000000f");
  EXPECT_EQ(HexId(std::string(8, '\0') + std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)),
            "0102030405060708");
  EXPECT_FALSE(ParseHexId("0000", 16, &id));
  EXPECT_FALSE(ParseHexId("", 16, &id));
  EXPECT_FALSE(ParseHexId("12345678901234567", 16, &id));
  EXPECT_FALSE(ParseHexId("xyz", 16, &id));
}

// The example span of zipkin-api's openapi definition, encoded by hand.
constexpr char kExample[] =
    R"([{"traceId":"5af7183fb1d4cf5f","id":"352bff9a74ca9ad2","parentId":"6b221d5bc9e6496c",)"
    R"("kind":"SERVER","name":"get /api","timestamp":1556604172355737,"duration":1431,)"
    R"("localEndpoint":{"serviceName":"backend","ipv4":"192.168.99.1","port":3306},)"
    R"("remoteEndpoint":{"ipv6":"2001:db8::c001","port":58648},)"
    R"("annotations":[{"timestamp":1556604172355800,"value":"wr"}],)"
    R"("tags":{"http.method":"GET","http.path":"/api"},"shared":true}])";

TEST(ZipkinJson, DecodesAndEncodesTheExampleSpan) {
  model::ListOfSpans spans;
  ASSERT_TRUE(DecodeJsonV2(kExample, 10, &spans).ok());
  ASSERT_EQ(spans.spans_size(), 1);
  const model::Span& s = spans.spans(0);
  EXPECT_EQ(s.trace_id(), std::string("\x5a\xf7\x18\x3f\xb1\xd4\xcf\x5f", 8));
  EXPECT_EQ(s.kind(), model::Span::SERVER);
  EXPECT_EQ(s.timestamp(), 1556604172355737u);
  EXPECT_EQ(s.duration(), 1431u);
  EXPECT_EQ(s.local_endpoint().ipv4(), std::string("\xc0\xa8\x63\x01", 4));
  EXPECT_EQ(s.remote_endpoint().ipv6().size(), 16u);
  EXPECT_EQ(s.annotations(0).value(), "wr");
  EXPECT_EQ(Tag(s, "http.path"), "/api");
  EXPECT_TRUE(s.shared());
  // Written back: the same bytes (the example's keys are in zipkin-go's order).
  EXPECT_EQ(EncodeJsonV2(spans), kExample);
}

TEST(ZipkinJson, LenientWhereNothingIsLost) {
  model::ListOfSpans spans;
  ASSERT_TRUE(DecodeJsonV2(R"([{"traceId":"A","id":"b","parentId":"000000000000000b",
      "kind":"client","timestamp":null,"tags":{"n":12,"b":true,"d":1.5},"unknown":[1,{}]}])",
                           10, &spans)
                  .ok());
  const model::Span& s = spans.spans(0);
  EXPECT_EQ(s.trace_id(), std::string("\0\0\0\0\0\0\0\x0a", 8));
  EXPECT_TRUE(s.parent_id().empty());  // equal to the span's own id
  EXPECT_EQ(s.kind(), model::Span::CLIENT);
  EXPECT_EQ(Tag(s, "n"), "12");
  EXPECT_EQ(Tag(s, "b"), "true");
  EXPECT_EQ(Tag(s, "d"), "1.5");
}

TEST(ZipkinJson, ErrorsNameTheSpanAndField) {
  model::ListOfSpans spans;
  auto message = [&](const std::string& json) {
    return std::string(DecodeJsonV2(json, 10, &spans).message());
  };
  EXPECT_THAT(message("{}"), HasSubstr("expected a JSON array"));
  EXPECT_THAT(message("[1]"), HasSubstr("spans[0]: expected an object"));
  EXPECT_THAT(message(R"([{"id":"1"}])"), HasSubstr("spans[0].traceId: required"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1"},{"traceId":"1"}])"),
              HasSubstr("spans[1].id: required"));
  EXPECT_THAT(message(R"([{"traceId":"0","id":"1"}])"), HasSubstr("spans[0].traceId"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","timestamp":-3}])"),
              HasSubstr("spans[0].timestamp: expected a non-negative integer"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","tags":{"a":{}}}])"),
              HasSubstr("spans[0].tags.a: expected a string"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","localEndpoint":{"ipv4":"999.1.1.1"}}])"),
              HasSubstr("spans[0].localEndpoint.ipv4: not an IPv4 address"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","annotations":[{"value":"x"}]}])"),
              HasSubstr("spans[0].annotations[0].timestamp: required"));
  EXPECT_THAT(message("[{\"traceId\":\"1\",\"id\":\"1\",\"name\":\"\xff\"}]"),
              HasSubstr("spans[0].name: not valid UTF-8"));
  EXPECT_THAT(message("[{\"traceId\":\"1\",\"id\":\"1\",\"name\":\"\\ud800\"}]"),
              HasSubstr("surrogate"));
  EXPECT_THAT(message("[{"), HasSubstr("invalid JSON"));
  EXPECT_EQ(spans.spans_size(), 0);
  EXPECT_TRUE(absl::IsResourceExhausted(
      DecodeJsonV2(R"([{"traceId":"1","id":"1"},{"traceId":"1","id":"2"}])", 1, &spans)));
}

}  // namespace
}  // namespace weir::zipkin
