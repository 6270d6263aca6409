#include "pipeline/zipkin/v1.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/zipkin/tags.h"
#include "pipeline/zipkin/to_otlp.h"
#include "thrift/protocol/TBinaryProtocol.h"
#include "thrift/transport/TBufferTransports.h"
#include "zipkincore_types.h"

namespace weir::zipkin {
namespace {

using ::testing::HasSubstr;

std::string Tag(const model::Span& span, absl::string_view key) {
  const std::string* value = FindTag(span.tags(), key);
  return value == nullptr ? "<absent>" : *value;
}

// A client span as zipkin-js's JSON_V1 encoder writes it: core annotations with the local
// endpoint, the remote address as an "sa" binary annotation with the value true.
constexpr char kClientV1[] = R"([{
  "traceId":"a0000000000000000000000000000001","name":"get /users","id":"000000000000000b",
  "parentId":"000000000000000a","timestamp":1700000000000000,"duration":2500,
  "annotations":[
    {"endpoint":{"serviceName":"frontend","ipv4":"10.0.0.1","port":8080},"timestamp":1700000000000000,"value":"cs"},
    {"endpoint":{"serviceName":"frontend","ipv4":"10.0.0.1","port":8080},"timestamp":1700000000001000,"value":"ws"},
    {"endpoint":{"serviceName":"frontend","ipv4":"10.0.0.1","port":8080},"timestamp":1700000000002500,"value":"cr"}],
  "binaryAnnotations":[
    {"key":"http.path","value":"/users","endpoint":{"serviceName":"frontend"}},
    {"key":"retries","value":2},
    {"key":"sa","value":true,"endpoint":{"serviceName":"users","ipv6":"2001:db8::1","port":443}}]
}])";

TEST(ZipkinV1, JsonAsZipkinJsWritesIt) {
  model::ListOfSpans spans;
  ASSERT_TRUE(DecodeJsonV1(kClientV1, 10, &spans).ok());
  ASSERT_EQ(spans.spans_size(), 1);
  const model::Span& s = spans.spans(0);
  EXPECT_EQ(absl::BytesToHexString(s.trace_id()), "a0000000000000000000000000000001");
  EXPECT_EQ(absl::BytesToHexString(s.parent_id()), "000000000000000a");
  EXPECT_EQ(s.kind(), model::Span::CLIENT);
  EXPECT_EQ(s.name(), "get /users");
  EXPECT_EQ(s.timestamp(), 1700000000000000u);
  EXPECT_EQ(s.duration(), 2500u);
  EXPECT_EQ(s.local_endpoint().service_name(), "frontend");
  EXPECT_EQ(s.local_endpoint().port(), 8080);
  EXPECT_EQ(s.remote_endpoint().service_name(), "users");
  EXPECT_EQ(s.remote_endpoint().ipv6().size(), 16u);
  ASSERT_EQ(s.annotations_size(), 1);  // ws; the core annotations became kind and times
  EXPECT_EQ(s.annotations(0).value(), "ws");
  EXPECT_EQ(Tag(s, "http.path"), "/users");
  EXPECT_EQ(Tag(s, "retries"), "2");
  EXPECT_EQ(Tag(s, "sa"), "<absent>");

  otlp::ExportRequest out;
  ASSERT_TRUE(SpansToResourceSpans(std::move(spans), {}, &out).ok());
  const auto& span = out.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(out.resource_spans(0).resource().attributes(0).value().string_value(), "frontend");
  EXPECT_EQ(span.kind(), otlp::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.end_time_unix_nano() - span.start_time_unix_nano(), 2500000u);
}

TEST(ZipkinV1, TimesFromCoreAnnotationsWhenTheSpanHasNone) {
  model::ListOfSpans spans;
  ASSERT_TRUE(DecodeJsonV1(R"([{"traceId":"1","id":"2","name":"serve","annotations":[
      {"timestamp":1000,"value":"sr","endpoint":{"serviceName":"api"}},
      {"timestamp":1700,"value":"ss","endpoint":{"serviceName":"api"}},
      {"timestamp":1200,"value":"cache hit"}],
      "binaryAnnotations":[{"key":"ca","value":true,"endpoint":{"ipv4":"1.2.3.4","port":5}}]}])",
                           10, &spans)
                  .ok());
  const model::Span& s = spans.spans(0);
  EXPECT_EQ(s.kind(), model::Span::SERVER);
  EXPECT_EQ(s.timestamp(), 1000u);
  EXPECT_EQ(s.duration(), 700u);
  EXPECT_EQ(s.local_endpoint().service_name(), "api");
  EXPECT_EQ(s.remote_endpoint().ipv4(), std::string("\x01\x02\x03\x04", 4));
  ASSERT_EQ(s.annotations_size(), 1);
  EXPECT_EQ(s.annotations(0).value(), "cache hit");
}

TEST(ZipkinV1, JsonErrorsNameTheField) {
  model::ListOfSpans spans;
  auto message = [&](const std::string& json) {
    return std::string(DecodeJsonV1(json, 10, &spans).message());
  };
  EXPECT_THAT(message(R"([{"id":"1"}])"), HasSubstr("spans[0].traceId: required"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","binaryAnnotations":[{"value":"x"}]}])"),
              HasSubstr("spans[0].binaryAnnotations[0].key: required"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","binaryAnnotations":[{"key":"k","value":{}}]}])"),
              HasSubstr("spans[0].binaryAnnotations[0].value: expected a string"));
  EXPECT_THAT(message(R"([{"traceId":"1","id":"1","annotations":[{"timestamp":1}]}])"),
              HasSubstr("spans[0].annotations[0].value: required"));
  EXPECT_TRUE(absl::IsResourceExhausted(
      DecodeJsonV1(R"([{"traceId":"1","id":"1"},{"traceId":"1","id":"2"}])", 1, &spans)));
}

std::string EncodeThrift(const std::vector<::twitter::zipkin::thrift::Span>& spans) {
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol p(buffer);
  p.writeListBegin(apache::thrift::protocol::T_STRUCT, static_cast<uint32_t>(spans.size()));
  for (const auto& s : spans) s.write(&p);
  p.writeListEnd();
  return buffer->getBufferAsString();
}

TEST(ZipkinV1, ThriftWithTypedBinaryAnnotations) {
  namespace zt = ::twitter::zipkin::thrift;
  zt::Endpoint host;
  host.ipv4 = static_cast<int32_t>(0x0a000001);
  host.port = static_cast<int16_t>(40000);  // above 32767: read unsigned
  host.service_name = "legacy";
  zt::Span span;
  span.trace_id = 0x1122;
  span.__set_trace_id_high(7);
  span.id = 0x33;
  span.name = "thrift op";
  zt::Annotation sr, ss;
  sr.timestamp = 5000;
  sr.value = "sr";
  sr.__set_host(host);
  ss.timestamp = 5400;
  ss.value = "ss";
  ss.__set_host(host);
  span.annotations = {sr, ss};
  auto binary = [](const std::string& key, int type, std::string value) {
    zt::BinaryAnnotation b;
    b.key = key;
    b.annotation_type = type;
    b.value = std::move(value);
    return b;
  };
  span.binary_annotations = {
      binary("flag", zt::AnnotationType::BOOL, std::string(1, '\1')),
      binary("small", zt::AnnotationType::I16, std::string("\xff\xfe", 2)),
      binary("big", zt::AnnotationType::I64, std::string("\0\0\0\0\0\0\x01\x00", 8)),
      binary("ratio", zt::AnnotationType::DOUBLE, std::string("\x3f\xf8\0\0\0\0\0\0", 8)),
      binary("raw", zt::AnnotationType::BYTES, "\x01\x02"),
      binary("text", zt::AnnotationType::STRING, "hello"),
      binary("odd", 99, "x")};
  model::ListOfSpans spans;
  const std::string body = EncodeThrift({span});
  ASSERT_TRUE(DecodeThriftV1(body, 10, &spans).ok());
  const model::Span& s = spans.spans(0);
  EXPECT_EQ(s.trace_id(), std::string("\0\0\0\0\0\0\0\x07\0\0\0\0\0\0\x11\x22", 16));
  EXPECT_EQ(s.kind(), model::Span::SERVER);
  EXPECT_EQ(s.timestamp(), 5000u);
  EXPECT_EQ(s.duration(), 400u);
  EXPECT_EQ(s.local_endpoint().service_name(), "legacy");
  EXPECT_EQ(s.local_endpoint().ipv4(), std::string("\x0a\x00\x00\x01", 4));
  EXPECT_EQ(s.local_endpoint().port(), 40000);
  EXPECT_EQ(Tag(s, "flag"), "true");
  EXPECT_EQ(Tag(s, "small"), "-2");
  EXPECT_EQ(Tag(s, "big"), "256");
  EXPECT_EQ(Tag(s, "ratio"), "1.5");
  EXPECT_EQ(Tag(s, "raw"), "AQI=");
  EXPECT_EQ(Tag(s, "text"), "hello");
  EXPECT_THAT(Tag(s, "odd"), HasSubstr("unknown zipkin v1 binary annotation type (99)"));
}

TEST(ZipkinV1, MalformedThriftIsRefused) {
  model::ListOfSpans spans;
  ::twitter::zipkin::thrift::Span span;
  span.trace_id = 1;
  span.id = 2;
  const std::string body = EncodeThrift({span, span});
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeThriftV1(body.substr(0, body.size() - 4), 10, &spans)));
  EXPECT_TRUE(absl::IsInvalidArgument(DecodeThriftV1(body + "xx", 10, &spans)));
  EXPECT_TRUE(absl::IsResourceExhausted(DecodeThriftV1(body, 1, &spans)));
  // A list that claims far more spans than the bytes could hold.
  std::string forged("\x0c\x7f\xff\xff\xff", 5);
  const absl::Status forged_status = DecodeThriftV1(forged, SIZE_MAX, &spans);
  EXPECT_TRUE(absl::IsInvalidArgument(forged_status)) << forged_status;
  EXPECT_THAT(std::string(forged_status.message()), HasSubstr("malformed Thrift"));
  ASSERT_TRUE(DecodeThriftV1(body, 10, &spans).ok());
  EXPECT_EQ(spans.spans_size(), 2);
}

}  // namespace
}  // namespace weir::zipkin
