#include "pipeline/otlp/wire_scan.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/types.h"
#include "tests/testing/otlp_wire_check.h"
#include "tests/testing/span_generator.h"

namespace weir::otlp::wire {
namespace {

using ::testing::HasSubstr;

// The scanner accepts what protobuf's parser accepts less what decoders could read differently
// (found by a walk driven by the generated descriptors), and finds the same spans.
void ExpectAgreesWithProtobuf(const std::string& bytes) {
  ExportRequest parsed;
  bool proto_ok = parsed.ParseFromString(bytes);
  const std::string ambiguous =
      proto_ok ? weir::testing::FindAmbiguousField(bytes, ExportRequest::descriptor()) : "";
  Index index;
  absl::Status s = ScanRequest(bytes, &index);
  ASSERT_EQ(s.ok(), proto_ok && ambiguous.empty()) << s << "; ambiguous: " << ambiguous;
  if (!s.ok()) return;
  EXPECT_EQ(weir::testing::FindUnknownKnownField(parsed), "");
  std::vector<const Span*> spans;
  for (const auto& rs : parsed.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& span : ss.spans()) spans.push_back(&span);
  ASSERT_EQ(index.spans.size(), spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    const SpanEntry& e = index.spans[i];
    Span from_range;
    ASSERT_TRUE(from_range.ParseFromArray(bytes.data() + e.bytes.offset, e.bytes.size));
    EXPECT_EQ(from_range.SerializeAsString(), spans[i]->SerializeAsString());
    EXPECT_EQ(spans[i]->start_time_unix_nano(), e.start_time_unix_nano);
    EXPECT_EQ(spans[i]->end_time_unix_nano(), e.end_time_unix_nano);
    EXPECT_EQ(static_cast<uint32_t>(spans[i]->status().code()), e.status_code);
    // The last occurrence of a repeated-in-the-wire singular field wins, in both.
    if (e.trace_id.size > 0) {
      EXPECT_EQ(spans[i]->trace_id(), bytes.substr(e.trace_id.offset, e.trace_id.size));
    }
  }
  uint64_t count = 0;
  ASSERT_TRUE(CountSpans(bytes, &count).ok());
  EXPECT_EQ(count, spans.size());
  size_t resources = 0, scopes = 0;
  for (const auto& rs : parsed.resource_spans()) {
    ++resources;
    scopes += rs.scope_spans_size();
  }
  EXPECT_EQ(index.resources.size(), resources);
  EXPECT_EQ(index.scopes.size(), scopes);
}

std::string Field(uint32_t number, uint32_t wire_type) {
  std::string out;
  uint32_t tag = number << 3 | wire_type;
  while (tag >= 0x80) {
    out.push_back(static_cast<char>(tag | 0x80));
    tag >>= 7;
  }
  out.push_back(static_cast<char>(tag));
  return out;
}

std::string Len(const std::string& body) {
  std::string out;
  size_t n = body.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  return out + body;
}

TEST(OtlpWire, GeneratedRequestsAgree) {
  for (int seed = 1; seed < 20; ++seed) {
    ExpectAgreesWithProtobuf(
        testing::MakeRequest(seed % 3 + 1, seed % 4 + 1, seed % 5, seed).SerializeAsString());
  }
}

TEST(OtlpWire, EdgeCases) {
  ExportRequest empty_resource;
  empty_resource.add_resource_spans();
  ExportRequest empty_scope;
  empty_scope.add_resource_spans()->add_scope_spans();
  ExportRequest empty_span;
  empty_span.add_resource_spans()->add_scope_spans()->add_spans();
  ExportRequest huge = testing::MakeRequest(1, 1, 1);
  huge.mutable_resource_spans(0)
      ->mutable_scope_spans(0)
      ->mutable_spans(0)
      ->add_attributes()
      ->mutable_value()
      ->set_string_value(std::string(1 << 20, 'h'));
  for (const auto* r : {&empty_resource, &empty_scope, &empty_span, &huge})
    ExpectAgreesWithProtobuf(r->SerializeAsString());
  ExpectAgreesWithProtobuf("");
}

TEST(OtlpWire, UnknownFieldsAreSkipped) {
  std::string span = Field(5, 2) + Len("name") + Field(99, 0) + "\x05" + Field(98, 5) + "abcd" +
                     Field(97, 1) + "12345678" + Field(96, 2) + Len("\xff\xfe") + Field(95, 3) +
                     Field(1, 0) + "\x01" + Field(95, 4);
  std::string request = Field(1, 2) + Len(Field(2, 2) + Len(Field(2, 2) + Len(span)));
  ExpectAgreesWithProtobuf(request);
  Index index;
  ASSERT_TRUE(ScanRequest(request, &index).ok());
  EXPECT_EQ(index.spans.size(), 1u);
}

// A request of one resource, one scope and the given spans.
std::string RequestOf(const std::string& span, const std::string& resource_spans_extra = "",
                      const std::string& scope_spans_extra = "") {
  return Field(1, 2) +
         Len(resource_spans_extra + Field(2, 2) + Len(scope_spans_extra + Field(2, 2) + Len(span)));
}

std::string Varint(uint64_t v) {
  std::string out;
  AppendVarint(v, &out);
  return out;
}

std::string Fixed(uint64_t v, size_t bytes) {
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

const std::string kSpanPath = "resource_spans[0].scope_spans[0].spans[0]";
const std::string kGoodSpan = Field(1, 2) + Len(std::string(16, '\x01')) + Field(2, 2) +
                              Len(std::string(8, '\x02')) + Field(5, 2) + Len("op");

struct Refusal {
  std::string bytes;
  std::string message;  // what the error must contain: the field path and the problem
};

void ExpectRefused(const Refusal& r) {
  SCOPED_TRACE(r.message);
  // protobuf C++ parses all of these; decoders disagree on what they mean.
  ExportRequest parsed;
  EXPECT_TRUE(parsed.ParseFromString(r.bytes));
  EXPECT_NE(weir::testing::FindAmbiguousField(r.bytes, ExportRequest::descriptor()), "");
  Index index;
  absl::Status s = ScanRequest(r.bytes, &index);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(r.message));
  EXPECT_EQ(RefusedSpans(s), 1u);
  EXPECT_TRUE(index.spans.empty());
}

TEST(OtlpWire, KnownFieldWithAnotherWireTypeIsRefused) {
  const std::string kv_with = Field(1, 2) + Len("k") + Field(2, 2);
  const std::vector<Refusal> cases = {
      {RequestOf(kGoodSpan + Field(5, 0) + Varint(7)),
       kSpanPath + ".name: wire type varint where OTLP defines length-delimited"},
      {RequestOf(kGoodSpan + Field(1, 1) + "12345678"),
       kSpanPath + ".trace_id: wire type fixed64 where OTLP defines length-delimited"},
      {RequestOf(kGoodSpan + Field(6, 2) + Len(Varint(3))),
       kSpanPath + ".kind: wire type length-delimited where OTLP defines varint"},
      {RequestOf(kGoodSpan + Field(7, 0) + Varint(3)),
       kSpanPath + ".start_time_unix_nano: wire type varint where OTLP defines fixed64"},
      {RequestOf(kGoodSpan + Field(16, 0) + Varint(1)),
       kSpanPath + ".flags: wire type varint where OTLP defines fixed32"},
      {RequestOf(kGoodSpan + Field(15, 2) + Len(Field(3, 5) + Fixed(2, 4))),
       kSpanPath + ".status.code: wire type fixed32 where OTLP defines varint"},
      {RequestOf(kGoodSpan + Field(11, 2) + Len(Field(2, 0) + Varint(1))),
       kSpanPath + ".events[0].name: wire type varint"},
      {RequestOf(kGoodSpan + Field(13, 2) + Len(Field(6, 0) + Varint(1))),
       kSpanPath + ".links[0].flags: wire type varint where OTLP defines fixed32"},
      {RequestOf(kGoodSpan + Field(9, 2) + Len(kv_with + Len(Field(3, 1) + "12345678"))),
       kSpanPath + ".attributes[0].value.int_value: wire type fixed64 where OTLP defines varint"},
      {RequestOf(kGoodSpan + Field(9, 2) + Len(Field(2, 2) + Len(Field(1, 2) + Len("v"))) +
                 Field(9, 2) + Len(kv_with + Len(Field(5, 2) + Len(Field(1, 0) + Varint(1))))),
       kSpanPath + ".attributes[1].value.array_value.values[0]: wire type varint"},
      {RequestOf(kGoodSpan, Field(1, 3) + Field(1, 4)),
       "resource_spans[0].resource: wire type group where OTLP defines length-delimited"},
      {RequestOf(kGoodSpan, Field(3, 0) + Varint(1)), "resource_spans[0].schema_url: wire type"},
      {RequestOf(kGoodSpan, Field(1, 2) + Len(Field(2, 5) + "abcd")),
       "resource_spans[0].resource.dropped_attributes_count: wire type fixed32"},
      {RequestOf(kGoodSpan, "", Field(1, 2) + Len(Field(4, 1) + "12345678")),
       "resource_spans[0].scope_spans[0].scope.dropped_attributes_count: wire type fixed64"},
      {RequestOf(kGoodSpan, Field(2, 0) + Varint(1)),
       "resource_spans[0].scope_spans[0]: wire type varint where OTLP defines length-delimited"},
      {RequestOf(kGoodSpan) + Field(1, 0) + Varint(1), "resource_spans[1]: wire type varint"},
  };
  for (const Refusal& r : cases) ExpectRefused(r);
}

TEST(OtlpWire, RepeatedSingularMessageIsRefused) {
  const std::string kRepeated = "singular message field occurs more than once";
  const std::string string_value = Field(1, 2) + Len("v");
  const std::vector<Refusal> cases = {
      {RequestOf(kGoodSpan + Field(15, 2) + Len(Field(3, 0) + Varint(2)) + Field(15, 2) +
                 Len(Field(2, 2) + Len("again"))),
       kSpanPath + ".status: " + kRepeated},
      {RequestOf(kGoodSpan, Field(1, 2) + Len("") + Field(1, 2) + Len("")),
       "resource_spans[0].resource: " + kRepeated},
      {RequestOf(kGoodSpan, "", Field(1, 2) + Len(Field(1, 2) + Len("a")) + Field(1, 2) + Len("")),
       "resource_spans[0].scope_spans[0].scope: " + kRepeated},
      {RequestOf(kGoodSpan + Field(9, 2) +
                 Len(Field(2, 2) + Len(string_value) + Field(2, 2) + Len(string_value))),
       kSpanPath + ".attributes[0].value: " + kRepeated},
      {RequestOf(kGoodSpan + Field(9, 2) +
                 Len(Field(2, 2) + Len(Field(5, 2) + Len("") + Field(5, 2) + Len("")))),
       kSpanPath + ".attributes[0].value.array_value: " + kRepeated},
      {RequestOf(kGoodSpan + Field(9, 2) +
                 Len(Field(2, 2) + Len(string_value + Field(3, 0) + Varint(1)))),
       kSpanPath + ".attributes[0].value.int_value: second member of oneof value (string_value"},
      {RequestOf(kGoodSpan + Field(9, 2) +
                 Len(Field(2, 2) + Len(Field(6, 2) + Len("") + Field(5, 2) + Len("")))),
       kSpanPath + ".attributes[0].value.array_value: second member of oneof value"},
  };
  for (const Refusal& r : cases) ExpectRefused(r);
}

TEST(OtlpWire, RepeatedSingularScalarTakesTheLast) {
  const std::string span = kGoodSpan + Field(1, 2) + Len(std::string(16, '\x09')) + Field(5, 2) +
                           Len("renamed") + Field(6, 0) + Varint(1) + Field(6, 0) + Varint(3) +
                           Field(7, 1) + Fixed(1, 8) + Field(7, 1) + Fixed(2, 8) + Field(16, 5) +
                           Fixed(1, 4) + Field(16, 5) + Fixed(3, 4) + Field(15, 2) +
                           Len(Field(3, 0) + Varint(1) + Field(3, 0) + Varint(2)) + Field(9, 2) +
                           Len(Field(1, 2) + Len("a") + Field(1, 2) + Len("b") + Field(2, 2) +
                               Len(Field(1, 2) + Len("x") + Field(1, 2) + Len("y")));
  const std::string bytes = RequestOf(span);
  ExpectAgreesWithProtobuf(bytes);
  Index index;
  ASSERT_TRUE(ScanRequest(bytes, &index).ok());
  ASSERT_EQ(index.spans.size(), 1u);
  const SpanEntry& e = index.spans[0];
  auto at = [&](Range r) { return bytes.substr(r.offset, r.size); };
  EXPECT_EQ(at(e.trace_id), std::string(16, '\x09'));
  EXPECT_EQ(at(e.name), "renamed");
  EXPECT_EQ(e.kind, 3u);
  EXPECT_EQ(e.start_time_unix_nano, 2u);
  EXPECT_EQ(e.flags, 3u);
  EXPECT_EQ(e.status_code, 2u);
  ExportRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  const Span& p = parsed.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(p.trace_id(), at(e.trace_id));
  EXPECT_EQ(p.name(), at(e.name));
  EXPECT_EQ(p.attributes(0).key(), "b");
  EXPECT_EQ(p.attributes(0).value().string_value(), "y");
}

TEST(OtlpWire, InvalidUtf8IsRefusedWithItsPath) {
  Index index;
  absl::Status s = ScanRequest(RequestOf(kGoodSpan + Field(3, 2) + Len("\xc3\x28")), &index);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr(kSpanPath + ".trace_state: invalid UTF-8"));
  EXPECT_EQ(RefusedSpans(s), 1u);
}

TEST(OtlpWire, RefusalsCountTheSpansOfTheRequest) {
  const std::string bad = Field(5, 0) + Varint(1);
  const std::string bytes =
      Field(1, 2) + Len(Field(2, 2) + Len(Field(2, 2) + Len(kGoodSpan) + Field(2, 2) +
                                          Len(kGoodSpan + bad) + Field(2, 2) + Len(kGoodSpan)));
  Index index;
  absl::Status s = ScanRequest(bytes, &index);
  EXPECT_THAT(s.message(), HasSubstr("spans[1].name: wire type varint"));
  EXPECT_EQ(RefusedSpans(s), 3u);
  EXPECT_EQ(RefusedSpans(absl::OkStatus()), 0u);
  EXPECT_EQ(RefusedSpans(absl::InvalidArgumentError("other")), 0u);
}

TEST(OtlpWire, MalformedInputIsRejectedLikeProtobuf) {
  std::string good = testing::MakeRequest(1, 1, 2).SerializeAsString();
  std::vector<std::string> bad = {
      good.substr(0, good.size() - 3),                       // truncated
      "\x0a\xff\xff\xff\xff\x0f",                            // length beyond the end
      std::string("\x00\x01", 2),                            // field number 0
      "\x0f",                                                // wire type 7
      "\x0b\x10\x01",                                        // unterminated group
      "\x0b\x14",                                            // mismatched end group
      "\x0c",                                                // end group at top level
      "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",    // 11-byte varint
      Field(1, 2) + Len(Field(3, 2) + Len("\xc3\x28")),      // invalid UTF-8 in schema_url
      Field(1, 2) + Len(Field(3, 2) + Len("\xed\xa0\x80")),  // UTF-16 surrogate
      Field(1, 2) + Len(Field(3, 2) + Len("\xc0\xaf")),      // overlong
  };
  for (const std::string& b : bad) ExpectAgreesWithProtobuf(b);
  // Valid multi-byte UTF-8 is fine.
  ExpectAgreesWithProtobuf(Field(1, 2) +
                           Len(Field(3, 2) + Len("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80")));
}

TEST(OtlpWire, SpanLimitStopsTheScan) {
  std::string bytes = testing::MakeRequest(2, 2, 5).SerializeAsString();  // 20 spans
  Index index;
  EXPECT_TRUE(ScanRequest(bytes, &index, 20).ok());
  EXPECT_EQ(index.spans.size(), 20u);
  absl::Status s = ScanRequest(bytes, &index, 19);
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_NE(s.message().find("more than 19 spans"), absl::string_view::npos);
  EXPECT_TRUE(index.spans.empty());
  // Malformed bytes stay InvalidArgument whatever the limit.
  EXPECT_TRUE(absl::IsInvalidArgument(ScanRequest("\x0a\x05", &index, 1)));
}

TEST(OtlpWire, NestingLimitMatchesProtobuf) {
  // AnyValue → ArrayValue → AnyValue ... at increasing depth around the limit.
  for (int levels : {40, 45, 46, 47, 48, 49, 50, 60}) {
    std::string value = Field(1, 2) + Len("leaf");  // AnyValue.string_value
    for (int i = 0; i < levels; ++i) value = Field(5, 2) + Len(Field(1, 2) + Len(value));
    std::string kv = Field(1, 2) + Len("k") + Field(2, 2) + Len(value);
    std::string span = Field(9, 2) + Len(kv);
    std::string request = Field(1, 2) + Len(Field(2, 2) + Len(Field(2, 2) + Len(span)));
    ExpectAgreesWithProtobuf(request);
  }
}

TEST(OtlpWire, NestingLimitIsNamed) {
  // 49 levels put the innermost AnyValue at depth 5 + 2 * 48 = 101.
  std::string value = Field(1, 2) + Len("leaf");
  for (int i = 0; i < 48; ++i) value = Field(5, 2) + Len(Field(1, 2) + Len(value));
  Index index;
  absl::Status s =
      ScanRequest(RequestOf(kGoodSpan + Field(9, 2) + Len(Field(2, 2) + Len(value))), &index);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_THAT(s.message(), HasSubstr(NestingLimitError()));
  EXPECT_THAT(s.message(), HasSubstr("100"));
  EXPECT_THAT(s.message(), HasSubstr(kSpanPath + ".attributes[0].value.array_value.values[0]"));
}

TEST(OtlpWire, RandomMutationsAgreeWithProtobuf) {
  std::mt19937 rng(42);
  std::string base = testing::MakeRequest(2, 2, 3).SerializeAsString();
  for (int i = 0; i < 3000; ++i) {
    std::string m = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % m.size();
      switch (rng() % 4) {
        case 0:
          m[at] = static_cast<char>(rng());
          break;
        case 1:
          m[at] ^= static_cast<char>(1 << (rng() % 8));
          break;
        case 2:
          m.erase(at, 1 + rng() % 4);
          break;
        case 3:
          m.insert(at, 1, static_cast<char>(rng()));
          break;
      }
      if (m.empty()) m = "x";
    }
    SCOPED_TRACE(i);
    ExpectAgreesWithProtobuf(m);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace weir::otlp::wire
