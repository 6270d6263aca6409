#include "pipeline/otlp/wire_scan.h"

#include <random>

#include "gtest/gtest.h"
#include "pipeline/otlp/types.h"
#include "tests/testing/span_generator.h"

namespace weir::otlp::wire {
namespace {

// The scanner and protobuf's parser must agree on every input: same verdict, same spans.
void ExpectAgreesWithProtobuf(const std::string& bytes) {
  ExportRequest parsed;
  bool proto_ok = parsed.ParseFromString(bytes);
  Index index;
  absl::Status s = ScanRequest(bytes, &index);
  ASSERT_EQ(s.ok(), proto_ok) << s;
  if (!proto_ok) return;
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

TEST(OtlpWire, UnknownFieldsAndWireTypeMismatchesAreSkipped) {
  std::string span = Field(5, 2) + Len("name") + Field(99, 0) + "\x05" + Field(98, 5) + "abcd" +
                     Field(97, 1) + "12345678" + Field(96, 2) + Len("\xff\xfe") + Field(95, 3) +
                     Field(1, 0) + "\x01" + Field(95, 4) + Field(5, 0) +
                     "\x07";  // name with a varint wire type: unknown, skipped
  std::string request = Field(1, 2) + Len(Field(2, 2) + Len(Field(2, 2) + Len(span)));
  ExpectAgreesWithProtobuf(request);
  Index index;
  ASSERT_TRUE(ScanRequest(request, &index).ok());
  EXPECT_EQ(index.spans.size(), 1u);
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
