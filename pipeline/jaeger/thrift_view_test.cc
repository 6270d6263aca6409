#include "pipeline/jaeger/thrift_view.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/stubs/logging.h"
#include "gtest/gtest.h"
#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/jaeger/thrift_to_otlp.h"
#include "pipeline/jaeger/to_otlp.h"
#include "thrift/protocol/TBinaryProtocol.h"
#include "thrift/transport/TBufferTransports.h"

namespace weir::jaeger {
namespace {

using ::testing::HasSubstr;

// The reference path: Apache Thrift's generated readers, the api_v2 model, OTLP messages.
absl::StatusOr<std::string> ThroughModels(const absl::StatusOr<thrift::Batch>& decoded) {
  if (!decoded.ok()) return decoded.status();
  thrift::Batch copy = *decoded;
  model::Batch m;
  ThriftToModel(std::move(copy), &m);
  otlp::ExportRequest request;
  if (absl::Status s = BatchToResourceSpans(std::move(m), &request); !s.ok()) return s;
  return request.SerializeAsString();
}

absl::StatusOr<std::string> ThroughViews(absl::string_view bytes, bool agent,
                                         ThriftProtocol protocol) {
  thrift_view::Batch batch;
  absl::Status s = agent ? thrift_view::ReadAgentDatagram(bytes, protocol, &batch)
                         : thrift_view::ReadBatch(bytes, &batch);
  if (!s.ok()) return s;
  std::string out;
  AppendOtlpRequest(batch, &out);
  return out;
}

// Batches that use every rule of the translation: the special tags with values of every type,
// duplicate keys, unknown tag types, references of each kind inside and outside the trace,
// logs with and without an event name, odd times and flags.
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  thrift::Batch Batch() {
    thrift::Batch b;
    static const char* kServices[] = {"svc", "", "OTLPResourceNoServiceName", "checkout"};
    b.process.serviceName = kServices[Pick(4)];
    if (Pick(4) != 0) {
      static const std::vector<std::string> kProcessKeys = {
          "hostname",     "host.name", "jaeger.version", "opencensus.exporterversion",
          "service.name", "ip",        "client-uuid",    ""};
      b.process.__set_tags(Tags(Pick(6), kProcessKeys));
    }
    const int spans = Pick(6);
    for (int i = 0; i < spans; ++i) b.spans.push_back(Span());
    if (Pick(3) == 0) b.__set_seqNo(Long());
    return b;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  int64_t Long() {
    switch (Pick(5)) {
      case 0:
        return 0;
      case 1:
        return -Pick(1000) - 1;
      case 2:
        return INT64_MAX - Pick(3);
      case 3:
        return INT64_MIN + Pick(3);
      default:
        return std::uniform_int_distribution<int64_t>(1, int64_t{1} << 52)(rng_);
    }
  }
  std::string Text() {
    static const char* kTexts[] = {
        "",         "ok",       "OK",      "Error",   "ERROR",
        "500",      "404",      "client",  "server",  "producer",
        "consumer", "internal", "unknown", "x=1,y=2", "a long string with spaces",
        "1.5"};
    return kTexts[Pick(16)];
  }

  thrift::Tag Tag(const std::vector<std::string>& keys) {
    thrift::Tag t;
    t.key = keys[Pick(static_cast<int>(keys.size()))];
    const int type = Pick(7);
    t.vType = type < 5 ? type : (type == 5 ? 9 : -3);
    // Values of other types too, as clients send them: the type decides.
    if (Pick(2) || t.vType == thrift::TagType::STRING) t.__set_vStr(Text());
    if (Pick(2) || t.vType == thrift::TagType::DOUBLE) {
      static const double kDoubles[] = {0, 500, 404.0, 1.5, -2, 1e300, 200};
      t.__set_vDouble(kDoubles[Pick(7)]);
    }
    if (Pick(2) || t.vType == thrift::TagType::BOOL) t.__set_vBool(Pick(2) == 0);
    if (Pick(2) || t.vType == thrift::TagType::LONG) {
      static const int64_t kLongs[] = {0, 200, 404, 503, 99, -1, 600};
      t.__set_vLong(Pick(3) == 0 ? Long() : kLongs[Pick(7)]);
    }
    if (Pick(3) == 0 || t.vType == thrift::TagType::BINARY) t.__set_vBinary(Text() + '\xff');
    return t;
  }

  std::vector<thrift::Tag> Tags(int n, const std::vector<std::string>& keys) {
    std::vector<thrift::Tag> tags;
    for (int i = 0; i < n; ++i) tags.push_back(Tag(keys));
    return tags;
  }

  thrift::Span Span() {
    static const std::vector<std::string> kSpanKeys = {"span.kind",
                                                       "error",
                                                       "otel.status_code",
                                                       "otel.status_description",
                                                       "http.status_code",
                                                       "http.status_message",
                                                       "w3c.tracestate",
                                                       "otel.scope.name",
                                                       "otel.scope.version",
                                                       "otel.library.name",
                                                       "otel.library.version",
                                                       "component",
                                                       "peer.service",
                                                       "event",
                                                       ""};
    static const std::vector<std::string> kLogKeys = {"event", "message", "error.kind", ""};
    thrift::Span s;
    s.traceIdLow = Pick(3) == 0 ? Long() : 2;
    s.traceIdHigh = Pick(3) == 0 ? 0 : 1;
    s.spanId = Long();
    s.parentSpanId = Pick(2) == 0 ? 0 : Pick(4) + 1;
    s.operationName = Pick(5) == 0 ? "" : "op-" + Text();
    s.flags = Pick(4);
    s.startTime = Long();
    s.duration = Pick(3) == 0 ? Long() : Pick(100000);
    // Up to 20 tags, so duplicate keys are found both ways (16 or fewer, and more).
    if (Pick(5) != 0) s.__set_tags(Tags(Pick(4) == 0 ? 20 : Pick(8), kSpanKeys));
    if (Pick(2) == 0) {
      std::vector<thrift::SpanRef> refs;
      const int n = Pick(4);
      for (int i = 0; i < n; ++i) {
        thrift::SpanRef r;
        r.refType = Pick(5) == 0 ? 5 : Pick(2);
        const bool same_trace = Pick(3) != 0;
        r.traceIdLow = same_trace ? s.traceIdLow
                                  : static_cast<int64_t>(static_cast<uint64_t>(s.traceIdLow) + 1);
        r.traceIdHigh = s.traceIdHigh;
        r.spanId = Pick(2) == 0 ? s.parentSpanId : Pick(6);
        refs.push_back(r);
      }
      s.__set_references(refs);
    }
    if (Pick(2) == 0) {
      std::vector<thrift::Log> logs;
      const int n = Pick(3) + 1;
      for (int i = 0; i < n; ++i) {
        thrift::Log l;
        l.timestamp = Pick(4) == 0 ? Long() : 1700000000000000 + i;
        l.fields = Tags(Pick(4), kLogKeys);
        logs.push_back(l);
      }
      s.__set_logs(logs);
    }
    return s;
  }

  std::mt19937 rng_;
};

TEST(JaegerThriftView, WritesExactlyWhatTheModelsEncode) {
  int compared = 0;
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    Generator gen(seed);
    const thrift::Batch batch = gen.Batch();
    for (ThriftProtocol protocol : {ThriftProtocol::kCompact, ThriftProtocol::kBinary}) {
      const std::string datagram = EncodeAgentDatagram(batch, protocol, static_cast<int>(seed));
      absl::StatusOr<std::string> want = ThroughModels(DecodeAgentDatagram(datagram, protocol));
      absl::StatusOr<std::string> got = ThroughViews(datagram, true, protocol);
      ASSERT_TRUE(want.ok()) << want.status();
      ASSERT_TRUE(got.ok()) << "seed " << seed << ": " << got.status();
      ASSERT_EQ(*got, *want) << "seed " << seed;
      ++compared;
    }
    const std::string body = EncodeBatch(batch);
    absl::StatusOr<std::string> want = ThroughModels(DecodeBatch(body));
    absl::StatusOr<std::string> got = ThroughViews(body, false, ThriftProtocol::kBinary);
    ASSERT_TRUE(got.ok()) << "seed " << seed << ": " << got.status();
    ASSERT_EQ(*got, *want) << "seed " << seed;
  }
  EXPECT_EQ(compared, 6000);
}

// Every truncation and many single-byte changes of real datagrams: the reader refuses or
// reads without harm, and whenever both readers accept the bytes they agree.
TEST(JaegerThriftView, DamagedInputIsRefusedOrReadAsTheLibraryReadsIt) {
  google::protobuf::LogSilencer quiet;  // damaged strings make the serializer complain
  int refused = 0, agreed = 0;
  for (uint32_t seed = 0; seed < 60; ++seed) {
    Generator gen(seed);
    const thrift::Batch batch = gen.Batch();
    for (ThriftProtocol protocol : {ThriftProtocol::kCompact, ThriftProtocol::kBinary}) {
      const std::string datagram = EncodeAgentDatagram(batch, protocol);
      for (size_t n = 0; n < datagram.size(); ++n) {
        absl::StatusOr<std::string> got = ThroughViews(datagram.substr(0, n), true, protocol);
        ASSERT_FALSE(got.ok()) << "prefix " << n;
        EXPECT_TRUE(absl::IsInvalidArgument(got.status())) << got.status();
        ++refused;
      }
      std::mt19937 rng(seed);
      for (int i = 0; i < 200 && !datagram.empty(); ++i) {
        std::string damaged = datagram;
        damaged[rng() % damaged.size()] = static_cast<char>(rng());
        absl::StatusOr<std::string> got = ThroughViews(damaged, true, protocol);
        absl::StatusOr<std::string> want = ThroughModels(DecodeAgentDatagram(damaged, protocol));
        if (got.ok() && want.ok()) {
          EXPECT_EQ(*got, *want) << "seed " << seed << " change " << i;
          ++agreed;
        }
      }
    }
  }
  EXPECT_GT(refused, 1000);
  EXPECT_GT(agreed, 100);
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(JaegerThriftView, RefusalsNameWhatIsWrong) {
  thrift_view::Batch batch;
  // A batch without its spans.
  absl::Status s = thrift_view::ReadBatch(
      Bytes({0x0c, 0x00, 0x01, 0x0b, 0x00, 0x01, 0, 0, 0, 1, 's', 0x00, 0x00}), &batch);
  EXPECT_THAT(s.message(), HasSubstr("Batch.spans is required and missing"));
  // A list that claims 100,000 spans in a few bytes.
  std::string body = Bytes({0x0c, 0x00, 0x01, 0x0b, 0x00, 0x01, 0,    0,   0, 1, 's', 0x00,  //
                            0x0f, 0x00, 0x02, 0x0c, 0x00, 0x01, 0x86, 0xa0});
  s = thrift_view::ReadBatch(body, &batch);
  EXPECT_THAT(s.message(), HasSubstr("claims 100000 elements"));
  // An unknown type byte.
  s = thrift_view::ReadBatch(Bytes({0xff, 0x00, 0x01}), &batch);
  EXPECT_THAT(s.message(), HasSubstr("unknown Thrift type 255, at byte 1"));
  // Other methods and message types; emitZipkinBatch by name.
  const std::string zipkin = Bytes({0x82, 0x81, 0x00, 0x0f, 'e', 'm', 'i', 't', 'Z',  'i',  'p',
                                    'k',  'i',  'n',  'B',  'a', 't', 'c', 'h', 0x19, 0x0c, 0x00});
  s = thrift_view::ReadAgentDatagram(zipkin, ThriftProtocol::kCompact, &batch);
  EXPECT_TRUE(absl::IsUnimplemented(s)) << s;
  s = thrift_view::ReadAgentDatagram(
      Bytes({0x82, 0x41, 0x00, 0x09, 'e', 'm', 'i', 't', 'B', 'a', 't', 'c', 'h', 0x00}),
      ThriftProtocol::kCompact, &batch);
  EXPECT_THAT(s.message(), HasSubstr("not a call"));
  s = thrift_view::ReadAgentDatagram(
      Bytes({0x82, 0x81, 0x00, 0x09, 'e', 'm', 'i', 't', 'B', 'a', 't', 'c', 'h', 0x00}),
      ThriftProtocol::kCompact, &batch);
  EXPECT_THAT(s.message(), HasSubstr("without its batch"));
  // Nesting beyond Thrift's limit in a field nobody reads.
  std::string deep = Bytes({0x82, 0x81, 0x00, 0x09, 'e', 'm', 'i', 't', 'B', 'a', 't', 'c', 'h'});
  for (int i = 0; i < 100; ++i) deep.push_back(0x2c);  // field +2: a struct
  s = thrift_view::ReadAgentDatagram(deep, ThriftProtocol::kCompact, &batch);
  EXPECT_THAT(s.message(), HasSubstr("nesting deeper than 64"));
}

// A field read twice: a list replaces the one before (the generated readers clear it), a
// struct's other fields stay. Written field by field with Thrift's protocol, since the
// generated writers never repeat a field.
TEST(JaegerThriftView, FieldsReadTwiceAsTheGeneratedReadersReadThem) {
  using apache::thrift::protocol::TType;
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocolT<apache::thrift::transport::TMemoryBuffer> p(buffer);
  auto tag = [&](const char* key, bool with_double) {
    p.writeStructBegin("Tag");
    p.writeFieldBegin("key", TType::T_STRING, 1);
    p.writeString(std::string(key));
    p.writeFieldBegin("vType", TType::T_I32, 2);
    p.writeI32(thrift::TagType::DOUBLE);
    if (with_double) {
      p.writeFieldBegin("vDouble", TType::T_DOUBLE, 4);
      p.writeDouble(503);
    }
    p.writeFieldStop();
  };
  p.writeStructBegin("Batch");
  for (const char* service : {"first", "second"}) {  // the process twice: its tags stay
    p.writeFieldBegin("process", TType::T_STRUCT, 1);
    p.writeStructBegin("Process");
    p.writeFieldBegin("serviceName", TType::T_STRING, 1);
    p.writeString(std::string(service));
    if (std::string(service) == "first") {
      p.writeFieldBegin("tags", TType::T_LIST, 2);
      p.writeListBegin(TType::T_STRUCT, 1);
      tag("host", true);
    }
    p.writeFieldStop();
  }
  p.writeFieldBegin("spans", TType::T_LIST, 2);
  p.writeListBegin(TType::T_STRUCT, 1);
  p.writeStructBegin("Span");
  for (int16_t id : {1, 2, 3, 4}) {
    p.writeFieldBegin("id", TType::T_I64, id);
    p.writeI64(id);
  }
  p.writeFieldBegin("operationName", TType::T_STRING, 5);
  p.writeString(std::string("op"));
  for (int16_t id : {7}) {
    p.writeFieldBegin("flags", TType::T_I32, id);
    p.writeI32(1);
  }
  for (int16_t id : {8, 9}) {
    p.writeFieldBegin("time", TType::T_I64, id);
    p.writeI64(1000);
  }
  for (bool with_double : {true, false}) {  // the tags twice: the second list is fresh
    p.writeFieldBegin("tags", TType::T_LIST, 10);
    p.writeListBegin(TType::T_STRUCT, 2);
    tag("http.status_code", with_double);
    tag("other", with_double);
  }
  p.writeFieldStop();
  p.writeFieldStop();
  const std::string body = buffer->getBufferAsString();

  absl::StatusOr<thrift::Batch> decoded = DecodeBatch(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->process.serviceName, "second");
  ASSERT_EQ(decoded->process.tags.size(), 1u);
  EXPECT_FALSE(decoded->spans[0].tags[0].__isset.vDouble);
  absl::StatusOr<std::string> want = ThroughModels(decoded);
  absl::StatusOr<std::string> got = ThroughViews(body, false, ThriftProtocol::kBinary);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, *want);
}

}  // namespace
}  // namespace weir::jaeger
