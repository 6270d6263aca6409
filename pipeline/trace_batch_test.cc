#include "pipeline/trace_batch.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
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
  for (size_t i = 0; i < bytes.size(); i += 7)
    slices.push_back(absl::string_view(bytes).substr(i, 7));
  auto batch = TraceBatch::FromProtoSlices(slices);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->ToProtoBytes(), bytes);
}

TEST(TraceBatch, RejectsMalformedBytes) {
  auto batch = TraceBatch::FromProtoBytes(std::string("\x0a\xff\xff\xff\x0f garbage"));
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
  ASSERT_TRUE(
      batch
          .Mutate([](otlp::ExportRequest* r) { r->mutable_resource_spans(0)->clear_scope_spans(); })
          .ok());
  EXPECT_EQ(batch.span_count(), 0u);
  EXPECT_EQ(copy.span_count(), 3u);
}

TEST(TraceBatch, EmptyRequestsAddNothing) {
  auto batch = TraceBatch::FromProtoBytes(std::string());
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
  EXPECT_EQ(batch->ToProtoBytes(), "");
}

// --- The wire path and a full decode must agree on everything a stage can observe. ---

std::vector<otlp::ExportRequest> EquivalenceCorpus() {
  std::vector<otlp::ExportRequest> corpus;
  for (int seed = 1; seed <= 12; ++seed)
    corpus.push_back(testing::MakeRequest(seed % 3 + 1, seed % 4 + 1, seed % 6, seed));
  otlp::ExportRequest empty_resource;
  empty_resource.add_resource_spans();
  empty_resource.add_resource_spans()->add_scope_spans()->add_spans()->set_name("after-empty");
  corpus.push_back(empty_resource);
  otlp::ExportRequest empty_scope = testing::MakeRequest(1, 2, 2, 77);
  empty_scope.mutable_resource_spans(0)->add_scope_spans();
  corpus.push_back(empty_scope);
  otlp::ExportRequest huge = testing::MakeRequest(1, 1, 2, 88);
  auto* kv =
      huge.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->add_attributes();
  kv->set_key("huge");
  kv->mutable_value()->set_string_value(std::string(3 << 20, 'z'));
  corpus.push_back(huge);
  otlp::ExportRequest unknown = testing::MakeRequest(1, 1, 3, 99);
  // Unknown fields at several levels survive both paths.
  unknown.mutable_resource_spans(0)
      ->mutable_scope_spans(0)
      ->mutable_spans(0)
      ->GetReflection()
      ->MutableUnknownFields(
          unknown.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0))
      ->AddVarint(999, 42);
  unknown.GetReflection()->MutableUnknownFields(&unknown)->AddLengthDelimited(77, "extension");
  corpus.push_back(unknown);
  return corpus;
}

std::vector<std::string> Summaries(const TraceBatch& b) {
  std::vector<std::string> out;
  b.ForEachSpanView([&](const SpanView& s) {
    out.push_back(
        absl::StrCat(absl::BytesToHexString(s.trace_id()), "/", absl::BytesToHexString(s.span_id()),
                     "/", absl::BytesToHexString(s.parent_span_id()), "/", s.name(), "/",
                     s.start_time_unix_nano(), "/", s.end_time_unix_nano(), "/", s.status_code(),
                     "/", s.kind(), "/", s.flags(), "/", s.trace_state()));
  });
  return out;
}

std::vector<std::string> FullSpans(const TraceBatch& b) {
  std::vector<std::string> out;
  b.ForEachSpan(
      [&](const otlp::ResourceSpans& rs, const otlp::ScopeSpans& ss, const otlp::Span& s) {
        out.push_back(rs.resource().SerializeAsString() + "|" + ss.scope().SerializeAsString() +
                      "|" + s.SerializeAsString());
      });
  return out;
}

void ExpectSame(const TraceBatch& wire, const TraceBatch& decoded) {
  EXPECT_EQ(wire.span_count(), decoded.span_count());
  EXPECT_EQ(wire.ResourceCount(), decoded.ResourceCount());
  EXPECT_EQ(wire.ByteSize(), decoded.ByteSize());
  EXPECT_EQ(wire.ToProtoBytes(), decoded.ToProtoBytes());
  EXPECT_EQ(Summaries(wire), Summaries(decoded));
  EXPECT_EQ(FullSpans(wire), FullSpans(decoded));
  EXPECT_TRUE(MessageDifferencer::Equals(wire.ToRequest(), decoded.ToRequest()));
}

TEST(TraceBatchWire, AgreesWithFullDecode) {
  for (const otlp::ExportRequest& request : EquivalenceCorpus()) {
    std::string bytes = request.SerializeAsString();
    auto wire = TraceBatch::FromProtoBytes(bytes);
    ASSERT_TRUE(wire.ok());
    otlp::ExportRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes));
    ExpectSame(*wire, TraceBatch::FromRequest(parsed));
  }
}

TEST(TraceBatchWire, EncodingSplicesTheReceivedBytesUnchanged) {
  std::string a = testing::MakeRequest(2, 2, 3, 1).SerializeAsString();
  std::string b = testing::MakeRequest(1, 1, 4, 2).SerializeAsString();
  auto batch = TraceBatch::FromProtoBytes(a);
  ASSERT_TRUE(batch.ok());
  batch->Append(*TraceBatch::FromProtoBytes(b));
  EXPECT_EQ(batch->ToProtoBytes(), a + b);
}

TEST(TraceBatchWire, SplitAppendCloneAndMutateAgree) {
  TraceBatch wire, decoded;
  for (const otlp::ExportRequest& request : EquivalenceCorpus()) {
    wire.Append(*TraceBatch::FromProtoBytes(request.SerializeAsString()));
    decoded.Append(TraceBatch::FromRequest(request));
  }
  TraceBatch wire_copy = wire.Clone(), decoded_copy = decoded.Clone();
  ExpectSame(wire_copy, decoded_copy);
  for (size_t max : {1u, 3u, 7u, 50u}) {
    TraceBatch w = wire.SplitFront(max), d = decoded.SplitFront(max);
    ExpectSame(w, d);
  }
  ExpectSame(wire, decoded);
  // Mutation through the explicit call: drop every other span on both.
  auto drop = [](otlp::ExportRequest* r) {
    for (auto& rs : *r->mutable_resource_spans())
      for (auto& ss : *rs.mutable_scope_spans()) {
        auto* spans = ss.mutable_spans();
        for (int i = spans->size() - 1; i >= 0; i -= 2) spans->DeleteSubrange(i, 1);
      }
  };
  ASSERT_TRUE(wire_copy.Mutate(drop).ok());
  ASSERT_TRUE(decoded_copy.Mutate(drop).ok());
  ExpectSame(wire_copy, decoded_copy);
}

TEST(TraceBatchWire, CloneSharesBytesButNotMutations) {
  auto batch = TraceBatch::FromProtoBytes(testing::MakeRequest(1, 1, 4).SerializeAsString());
  ASSERT_TRUE(batch.ok());
  TraceBatch copy = batch->Clone();
  ASSERT_TRUE(batch->Mutate([](otlp::ExportRequest* r) { r->clear_resource_spans(); }).ok());
  EXPECT_EQ(batch->span_count(), 0u);
  EXPECT_EQ(copy.span_count(), 4u);
  EXPECT_EQ(FullSpans(copy).size(), 4u);
}

TEST(TraceBatchWire, MalformedBytesAreRefusedWithTheReason) {
  std::string bytes = testing::MakeRequest(1, 1, 2).SerializeAsString();
  auto truncated = TraceBatch::FromProtoBytes(bytes.substr(0, bytes.size() - 5));
  ASSERT_TRUE(absl::IsInvalidArgument(truncated.status()));
  EXPECT_NE(truncated.status().message().find("ExportTraceServiceRequest"),
            absl::string_view::npos);
}

TEST(TraceBatchWire, ReceivedTimeKeepsTheOldest) {
  TraceBatch a = testing::MakeBatch(1), b = testing::MakeBatch(1);
  a.set_received_at_ns(200);
  b.set_received_at_ns(100);
  a.Append(std::move(b));
  EXPECT_EQ(a.received_at_ns(), 100);
  EXPECT_EQ(a.SplitFront(1).received_at_ns(), 100);
}

}  // namespace
}  // namespace weir::pipeline
