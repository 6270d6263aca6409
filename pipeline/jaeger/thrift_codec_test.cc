#include "pipeline/jaeger/thrift_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace weir::jaeger {
namespace {

using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// An Agent.emitBatch datagram in the compact protocol, written out byte by byte from the
// Thrift compact specification: one process "svc" and one span.
const std::string kCompactDatagram = Bytes({
    0x82, 0x81, 0x00, 0x09, 'e', 'm', 'i', 't', 'B', 'a', 't', 'c', 'h',  // ONEWAY, seq 0
    0x1c,                         // args field 1: struct (the batch)
    0x1c,                         //   batch field 1: struct (process)
    0x18, 0x03, 's',  'v',  'c',  //     serviceName
    0x00,                         //   end of process
    0x19, 0x1c,                   //   batch field 2: list of 1 struct
    0x16, 0x04,                   //     traceIdLow = 2
    0x16, 0x02,                   //     traceIdHigh = 1
    0x16, 0x06,                   //     spanId = 3
    0x16, 0x00,                   //     parentSpanId = 0
    0x18, 0x02, 'o',  'p',        //     operationName
    0x25, 0x02,                   //     flags (field 7) = 1
    0x16, 0x80, 0x89, 0x7a,       //     startTime = 1000000 µs
    0x16, 0x0a,                   //     duration = 5 µs
    0x00,                         //   end of span
    0x00,                         // end of batch
    0x00,                         // end of args
});

thrift::Batch ExampleBatch() {
  thrift::Batch b;
  b.process.serviceName = "svc";
  auto& s = b.spans.emplace_back();
  s.traceIdLow = 2;
  s.traceIdHigh = 1;
  s.spanId = 3;
  s.operationName = "op";
  s.flags = 1;
  s.startTime = 1000000;
  s.duration = 5;
  return b;
}

TEST(JaegerThrift, DecodesAHandWrittenCompactDatagram) {
  auto batch = DecodeAgentDatagram(kCompactDatagram, ThriftProtocol::kCompact);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->process.serviceName, "svc");
  ASSERT_EQ(batch->spans.size(), 1u);
  const auto& s = batch->spans[0];
  EXPECT_EQ(s.traceIdLow, 2);
  EXPECT_EQ(s.traceIdHigh, 1);
  EXPECT_EQ(s.spanId, 3);
  EXPECT_EQ(s.operationName, "op");
  EXPECT_EQ(s.flags, 1);
  EXPECT_EQ(s.startTime, 1000000);
  EXPECT_EQ(s.duration, 5);
}

TEST(JaegerThrift, EncodesTheSameCompactBytes) {
  EXPECT_EQ(EncodeAgentDatagram(ExampleBatch(), ThriftProtocol::kCompact), kCompactDatagram);
}

TEST(JaegerThrift, BinaryDatagramHeaderAndRoundTrip) {
  const std::string d = EncodeAgentDatagram(ExampleBatch(), ThriftProtocol::kBinary, 7);
  // Strict binary header: version 1 | ONEWAY, name length, name, sequence id.
  EXPECT_EQ(d.substr(0, 8), Bytes({0x80, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x09}));
  EXPECT_EQ(d.substr(8, 9), "emitBatch");
  EXPECT_EQ(d.substr(17, 4), Bytes({0, 0, 0, 7}));
  auto batch = DecodeAgentDatagram(d, ThriftProtocol::kBinary);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(*batch, ExampleBatch());
  // The compact datagram is not binary Thrift.
  EXPECT_FALSE(DecodeAgentDatagram(kCompactDatagram, ThriftProtocol::kBinary).ok());
}

TEST(JaegerThrift, HttpBodyIsABinaryBatch) {
  const std::string body = EncodeBatch(ExampleBatch());
  auto batch = DecodeBatch(body);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(*batch, ExampleBatch());
}

TEST(JaegerThrift, MalformedDatagramsAreRefused) {
  // Every truncation of a valid datagram is an error, never a crash.
  for (size_t n = 0; n < kCompactDatagram.size(); ++n) {
    auto r = DecodeAgentDatagram(kCompactDatagram.substr(0, n), ThriftProtocol::kCompact);
    EXPECT_FALSE(r.ok()) << "prefix " << n;
    if (!r.ok()) EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  }
  // A list that claims a billion spans in a few bytes allocates nothing.
  std::string huge =
      Bytes({0x82, 0x81, 0x00, 0x09, 'e', 'm',  'i',  't',  'B',  'a',  't',  'c',  'h',
             0x1c, 0x1c, 0x18, 0x01, 's', 0x00, 0x19, 0xfc, 0x80, 0x94, 0xeb, 0xdc, 0x03});
  auto r = DecodeAgentDatagram(huge, ThriftProtocol::kCompact);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  // A string that claims more bytes than there are.
  r = DecodeAgentDatagram(Bytes({0x82, 0x81, 0x00, 0x7f, 'e'}), ThriftProtocol::kCompact);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
}

TEST(JaegerThrift, ListsMayNotClaimMoreThanTheBytesLeftCanHold) {
  // A binary Batch whose span list claims 100,000 spans, followed by 200,000 bytes: enough for
  // a one-byte-per-element check, far too few for real spans (a struct needs 15 bytes at
  // least). Refused before the reader allocates a vector for the claim.
  std::string body =
      Bytes({0x0c, 0x00, 0x01,                                     // process
             0x0b, 0x00, 0x01, 0,    0,    0,    1,    's', 0x00,  // serviceName, stop
             0x0f, 0x00, 0x02, 0x0c, 0x00, 0x01, 0x86, 0xa0});     // 100000 spans
  body.append(200000, '\0');
  auto r = DecodeBatch(body);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("claims 100000 elements"));
}

TEST(JaegerThrift, ParentSpanIdIsTheFirstReference) {
  thrift::Batch in = ExampleBatch();
  auto& s = in.spans[0];
  s.parentSpanId = 9;
  thrift::SpanRef other, parent;
  other.refType = parent.refType = thrift::SpanRefType::CHILD_OF;
  other.traceIdHigh = parent.traceIdHigh = 1;
  other.traceIdLow = parent.traceIdLow = 2;
  other.spanId = 5;
  parent.spanId = 9;
  s.__set_references({other, parent});
  model::Batch m;
  ThriftToModel(std::move(in), &m);
  ASSERT_EQ(m.spans(0).references_size(), 2);
  EXPECT_EQ(m.spans(0).references(0).span_id(), Bytes({0, 0, 0, 0, 0, 0, 0, 9}));
  EXPECT_EQ(m.spans(0).references(1).span_id(), Bytes({0, 0, 0, 0, 0, 0, 0, 5}));
}

TEST(JaegerThrift, OtherMethodsAndMessageTypes) {
  std::string other = kCompactDatagram;
  other[4] = 'E';  // "EmitBatch"
  auto r = DecodeAgentDatagram(other, ThriftProtocol::kCompact);
  EXPECT_THAT(r.status().message(), HasSubstr("unknown Agent method \"EmitBatch\""));
  std::string reply = kCompactDatagram;
  reply[1] = 0x41;  // REPLY
  r = DecodeAgentDatagram(reply, ThriftProtocol::kCompact);
  EXPECT_THAT(r.status().message(), HasSubstr("not a call"));
  const std::string zipkin = Bytes({0x82, 0x81, 0x00, 0x0f, 'e', 'm', 'i', 't', 'Z',  'i',  'p',
                                    'k',  'i',  'n',  'B',  'a', 't', 'c', 'h', 0x19, 0x0c, 0x00});
  r = DecodeAgentDatagram(zipkin, ThriftProtocol::kCompact);
  EXPECT_TRUE(absl::IsUnimplemented(r.status())) << r.status();
  // An emitBatch without its argument.
  r = DecodeAgentDatagram(
      Bytes({0x82, 0x81, 0x00, 0x09, 'e', 'm', 'i', 't', 'B', 'a', 't', 'c', 'h', 0x00}),
      ThriftProtocol::kCompact);
  EXPECT_THAT(r.status().message(), HasSubstr("without its batch"));
}

TEST(JaegerThrift, ModelConversionBothWays) {
  thrift::Batch in = ExampleBatch();
  auto& s = in.spans[0];
  s.parentSpanId = 9;
  s.startTime = 1700000000123456;
  s.duration = 2500001;
  thrift::SpanRef follows;
  follows.refType = thrift::SpanRefType::FOLLOWS_FROM;
  follows.traceIdHigh = 1;
  follows.traceIdLow = 2;
  follows.spanId = 11;
  s.__set_references({follows});
  thrift::Tag str, dbl, bol, lng, bin;
  str.key = "s";
  str.vType = thrift::TagType::STRING;
  str.__set_vStr("v");
  dbl.key = "d";
  dbl.vType = thrift::TagType::DOUBLE;
  dbl.__set_vDouble(1.5);
  bol.key = "b";
  bol.vType = thrift::TagType::BOOL;
  bol.__set_vBool(true);
  lng.key = "l";
  lng.vType = thrift::TagType::LONG;
  lng.__set_vLong(-3);
  bin.key = "y";
  bin.vType = thrift::TagType::BINARY;
  bin.__set_vBinary(std::string("\x00\xff", 2));
  s.__set_tags({str, dbl, bol, lng, bin});
  thrift::Log log;
  log.timestamp = 1700000000200000;
  log.fields = {str};
  s.__set_logs({log});
  in.process.__set_tags({lng});

  model::Batch m;
  ThriftToModel(thrift::Batch(in), &m);
  ASSERT_EQ(m.spans_size(), 1);
  const auto& ms = m.spans(0);
  EXPECT_EQ(ms.trace_id(), Bytes({0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}));
  EXPECT_EQ(ms.span_id(), Bytes({0, 0, 0, 0, 0, 0, 0, 3}));
  // The parent is added as the first reference, before the span's own.
  ASSERT_EQ(ms.references_size(), 2);
  EXPECT_EQ(ms.references(0).ref_type(), ::jaeger::api_v2::CHILD_OF);
  EXPECT_EQ(ms.references(0).span_id(), Bytes({0, 0, 0, 0, 0, 0, 0, 9}));
  EXPECT_EQ(ms.references(1).ref_type(), ::jaeger::api_v2::FOLLOWS_FROM);
  EXPECT_EQ(ms.start_time().seconds(), 1700000000);
  EXPECT_EQ(ms.start_time().nanos(), 123456000);
  EXPECT_EQ(ms.duration().seconds(), 2);
  EXPECT_EQ(ms.duration().nanos(), 500001000);
  ASSERT_EQ(ms.tags_size(), 5);
  EXPECT_EQ(ms.tags(1).v_type(), ::jaeger::api_v2::FLOAT64);
  EXPECT_EQ(ms.tags(3).v_type(), ::jaeger::api_v2::INT64);
  EXPECT_EQ(ms.tags(4).v_binary(), std::string("\x00\xff", 2));
  EXPECT_EQ(ms.logs(0).timestamp().nanos(), 200000000);

  thrift::Batch back;
  ModelToThrift(m, &back);
  // The parent reference now appears among the references too, as Jaeger's converter writes it.
  thrift::SpanRef parent;
  parent.refType = thrift::SpanRefType::CHILD_OF;
  parent.traceIdHigh = 1;
  parent.traceIdLow = 2;
  parent.spanId = 9;
  in.spans[0].references.insert(in.spans[0].references.begin(), parent);
  EXPECT_EQ(back, in);
}

// An enum on the wire is any i32 the sender picks. Out-of-range values arrive as numbers (held as
// i32, never as a C++ enum), an unknown tag type is kept as its number, and an unknown reference
// type counts as CHILD_OF.
TEST(JaegerThrift, UnknownEnumValuesFromTheWire) {
  thrift::Batch in = ExampleBatch();
  thrift::Tag odd;
  odd.key = "odd";
  odd.vType = 720899;
  odd.__set_vStr("ignored");
  thrift::SpanRef ref;
  ref.refType = -5;
  ref.traceIdLow = 2;
  ref.spanId = 12;
  in.spans[0].__set_tags({odd});
  in.spans[0].__set_references({ref});
  absl::StatusOr<thrift::Batch> decoded = DecodeBatch(EncodeBatch(in));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->spans[0].tags[0].vType, 720899);
  model::Batch m;
  ThriftToModel(*std::move(decoded), &m);
  ASSERT_EQ(m.spans(0).tags_size(), 1);
  EXPECT_EQ(static_cast<int>(m.spans(0).tags(0).v_type()), 720899);
  ASSERT_EQ(m.spans(0).references_size(), 1);
  EXPECT_EQ(m.spans(0).references(0).ref_type(), ::jaeger::api_v2::CHILD_OF);
}

}  // namespace
}  // namespace weir::jaeger
