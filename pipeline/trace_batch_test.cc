#include "pipeline/trace_batch.h"

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/span_generator.h"

namespace weir::pipeline {
namespace {

using google::protobuf::util::MessageDifferencer;

std::vector<std::string> SpanIds(const TraceBatch& b) {
  std::vector<std::string> ids;
  b.ForEachSpan([&](const auto&, const auto&, const otlp::Span& s) { ids.push_back(s.span_id()); });
  return ids;
}

TEST(TraceBatch, ParsesAndEncodesProto) {
  otlp::ExportRequest request = testing::MakeRequest(2, 3, 4);
  std::string bytes = request.SerializeAsString();
  auto batch = TraceBatch::FromProtoBytes(bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->span_count(), 24u);
  EXPECT_EQ(batch->ByteSize(), bytes.size());
  EXPECT_EQ(batch->ToProtoBytes(), bytes);
}

TEST(TraceBatch, ParsesSlices) {
  std::string bytes = testing::MakeRequest(1, 1, 5).SerializeAsString();
  std::vector<absl::string_view> slices;
  for (size_t i = 0; i < bytes.size(); i += 7) slices.push_back(absl::string_view(bytes).substr(i, 7));
  auto batch = TraceBatch::FromProtoSlices(slices);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->ToProtoBytes(), bytes);
}

TEST(TraceBatch, RejectsMalformedBytes) {
  auto batch = TraceBatch::FromProtoBytes("\x0a\xff\xff\xff\x0f garbage");
  EXPECT_TRUE(absl::IsInvalidArgument(batch.status()));
}

TEST(TraceBatch, AppendKeepsOrderAndEncodesAsOneRequest) {
  otlp::ExportRequest a = testing::MakeRequest(1, 1, 3, 1), b = testing::MakeRequest(2, 1, 2, 2);
  TraceBatch batch = TraceBatch::FromRequest(a);
  batch.Append(TraceBatch::FromRequest(b));
  EXPECT_EQ(batch.span_count(), 7u);
  otlp::ExportRequest merged = a;
  merged.MergeFrom(b);
  otlp::ExportRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(batch.ToProtoBytes()));
  EXPECT_TRUE(MessageDifferencer::Equals(decoded, merged));
}

TEST(TraceBatch, SplitFrontCutsAtExactSpanCount) {
  TraceBatch batch = TraceBatch::FromRequest(testing::MakeRequest(2, 2, 3));  // 12 spans
  batch.Append(TraceBatch::FromRequest(testing::MakeRequest(1, 1, 4, 9)));    // 16
  std::vector<std::string> all = SpanIds(batch);
  TraceBatch first = batch.SplitFront(5);
  TraceBatch second = batch.SplitFront(10);
  EXPECT_EQ(first.span_count(), 5u);
  EXPECT_EQ(second.span_count(), 10u);
  EXPECT_EQ(batch.span_count(), 1u);
  std::vector<std::string> got = SpanIds(first);
  for (auto& id : SpanIds(second)) got.push_back(id);
  for (auto& id : SpanIds(batch)) got.push_back(id);
  EXPECT_EQ(got, all);
  // Resource and scope travel with the spans that were cut off.
  first.ForEachSpan([](const otlp::ResourceSpans& rs, const otlp::ScopeSpans& ss, const auto&) {
    EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
    EXPECT_FALSE(ss.scope().name().empty());
  });
}

TEST(TraceBatch, CloneIsIndependent) {
  TraceBatch batch = testing::MakeBatch(3);
  TraceBatch copy = batch.Clone();
  batch.Mutate([](otlp::ExportRequest* r) { r->mutable_resource_spans(0)->clear_scope_spans(); });
  EXPECT_EQ(batch.span_count(), 0u);
  EXPECT_EQ(copy.span_count(), 3u);
}

TEST(TraceBatch, EmptyRequestsAddNothing) {
  auto batch = TraceBatch::FromProtoBytes("");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
  EXPECT_EQ(batch->ToProtoBytes(), "");
}

}  // namespace
}  // namespace weir::pipeline
