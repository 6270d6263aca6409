// Equivalence of TraceBatch's wire operations (views, attribute lookup, Partition, RetainSpans,
// SplitFront, EditSpans, EditResources) with the same operation done on a full protobuf decode,
// over generated requests and hand-built edge cases (fields interleaved with children, repeated
// scalar header fields, unknown fields, empty spans, scopes and resources).
#include <atomic>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pipeline/trace_batch.h"
#include "tests/testing/span_generator.h"

namespace weir::pipeline {
namespace {

// ---- building requests byte by byte ----

std::string Varint(uint64_t v) {
  std::string out;
  otlp::wire::AppendVarint(v, &out);
  return out;
}
std::string Len(int field, const std::string& body) {
  return Varint(static_cast<uint64_t>(field) << 3 | 2) + Varint(body.size()) + body;
}
std::string VarintField(int field, uint64_t v) {
  return Varint(static_cast<uint64_t>(field) << 3) + Varint(v);
}

std::string ResourceWith(const std::string& key, const std::string& value) {
  otlp::Resource r;
  auto* kv = r.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
  return r.SerializeAsString();
}

std::string SpanBytes(uint64_t seed, int n) {
  return testing::MakeRequest(1, 1, n + 1, seed)
      .resource_spans(0)
      .scope_spans(0)
      .spans(n)
      .SerializeAsString();
}

// Requests whose bytes no protobuf serializer writes but every protobuf parser accepts.
std::vector<std::string> EdgeCases() {
  std::vector<std::string> out;
  otlp::Scope scope;
  scope.set_name("edge.scope");
  scope.set_version("1.2");
  const std::string scope_bytes = scope.SerializeAsString();
  // Header fields interleaved with children, more than two header ranges, in both messages.
  std::string ss = Len(2, SpanBytes(1, 0)) + Len(1, scope_bytes) + Len(2, SpanBytes(1, 1)) +
                   Len(3, "scope-schema") + Len(2, SpanBytes(1, 2)) + VarintField(40, 7) +
                   Len(2, SpanBytes(1, 3));
  std::string rs = Len(3, "resource-schema") + Len(2, ss) +
                   Len(1, ResourceWith("service.name", "edge")) + VarintField(50, 1) +
                   Len(2, Len(1, scope_bytes) + Len(2, SpanBytes(2, 0))) + Len(3, "again");
  out.push_back(Len(1, rs) + Len(1, Len(2, Len(2, SpanBytes(3, 1)))));
  // The resource after its children, and schema_url twice: the last occurrence counts. (A
  // repeated resource field never gets here: the scan refuses it, see wire_scan.h.)
  std::string late = Len(3, "first-schema") +
                     Len(2, Len(2, SpanBytes(4, 0)) + Len(2, SpanBytes(4, 1))) +
                     Len(1, ResourceWith("host.name", "second")) + Len(3, "second-schema");
  out.push_back(Len(1, late));
  // An empty span, an empty scope, an empty resource, between full ones.
  out.push_back(Len(1, Len(2, Len(2, "") + Len(2, SpanBytes(5, 0)))) + Len(1, "") +
                Len(1, Len(2, "") + Len(2, Len(2, SpanBytes(5, 1)))));
  // Unknown fields at the top level and inside spans' neighbours.
  out.push_back(VarintField(9, 3) + Len(1, Len(2, Len(2, SpanBytes(6, 0)) + Len(77, "x"))));
  return out;
}

std::vector<std::string> Corpus() {
  std::vector<std::string> out = EdgeCases();
  for (int seed = 1; seed <= 10; ++seed)
    out.push_back(
        testing::MakeRequest(seed % 3 + 1, seed % 4 + 1, seed % 5 + 1, seed).SerializeAsString());
  return out;
}

// ---- the reference: the same operation on a decoded request ----

std::string Canonical(const std::string& bytes) {
  otlp::ExportRequest r;
  EXPECT_TRUE(r.ParseFromString(bytes));
  r.GetReflection()->MutableUnknownFields(&r)->Clear();  // a splice drops top-level unknowns
  return r.SerializeAsString();
}

std::string Canonical(const TraceBatch& b) { return Canonical(b.ToProtoBytes()); }

// Keeps the spans for which keep(span) holds; scopes and resources that lose all their spans
// go, those that had none stay unless `drop_empty`.
otlp::ExportRequest RefRetain(otlp::ExportRequest r,
                              const std::function<bool(const otlp::Span&)>& keep, bool drop_empty) {
  otlp::ExportRequest out;
  for (const auto& rs : r.resource_spans()) {
    otlp::ResourceSpans nrs = rs;
    nrs.clear_scope_spans();
    for (const auto& ss : rs.scope_spans()) {
      otlp::ScopeSpans nss = ss;
      nss.clear_spans();
      for (const auto& span : ss.spans())
        if (keep(span)) *nss.add_spans() = span;
      if (nss.spans_size() > 0 || (!drop_empty && ss.spans_size() == 0))
        *nrs.add_scope_spans() = nss;
    }
    if (nrs.scope_spans_size() > 0 || (!drop_empty && rs.scope_spans_size() == 0))
      *out.add_resource_spans() = nrs;
  }
  return out;
}

otlp::ExportRequest Decode(const std::string& bytes) {
  otlp::ExportRequest r;
  EXPECT_TRUE(r.ParseFromString(bytes));
  return r;
}

size_t CountSpans(const otlp::ExportRequest& r) {
  size_t n = 0;
  for (const auto& rs : r.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  return n;
}

std::string Text(const AttributeValue& v) {
  return absl::StrCat(static_cast<int>(v.type), ":", v.ToString(), ":", std::string(v.bytes));
}

// The decoded value, read back through the wire reader (typed reads are checked on their own in
// TypedAttributeValuesReadOnTheWire).
std::string Text(const otlp::AnyValue& v) {
  std::string bytes = v.SerializeAsString();
  return Text(otlp::wire::ReadAnyValue(bytes));
}

// ---- tests ----

TEST(TraceBatchOps, ViewsAgreeWithFullDecode) {
  for (const std::string& bytes : Corpus()) {
    auto batch = TraceBatch::FromProtoBytes(bytes);
    ASSERT_TRUE(batch.ok()) << batch.status();
    otlp::ExportRequest decoded = Decode(bytes);
    std::vector<std::string> wire, full;
    batch->ForEachSpanView([&](const SpanView& s) {
      std::string line =
          absl::StrCat(s.kind(), "|", s.flags(), "|", s.trace_state(), "|", s.scope().name(), "|",
                       s.scope().version(), "|", s.resource().service_name(), "|");
      s.resource().ForEachAttribute([&](absl::string_view k, const AttributeValue& v) {
        absl::StrAppend(&line, "r:", k, "=", Text(v), ";");
      });
      s.ForEachAttribute([&](AttributeOwner owner, absl::string_view k, const AttributeValue& v) {
        absl::StrAppend(&line, static_cast<int>(owner), ":", k, "=", Text(v), ";");
        if (owner == AttributeOwner::kSpan) {
          auto found = s.FindAttribute(k);
          EXPECT_TRUE(found.has_value());
        }
      });
      s.ForEachEvent([&](absl::string_view name, uint64_t time, absl::string_view) {
        absl::StrAppend(&line, "e:", name, "@", time, ";");
      });
      EXPECT_FALSE(s.FindAttribute("no.such.key").has_value());
      wire.push_back(line);
    });
    for (const auto& rs : decoded.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) {
          std::string service;
          for (const auto& kv : rs.resource().attributes())
            if (kv.key() == "service.name" && service.empty() &&
                kv.value().value_case() == otlp::AnyValue::kStringValue)
              service = kv.value().string_value();
          std::string line =
              absl::StrCat(span.kind(), "|", span.flags(), "|", span.trace_state(), "|",
                           ss.scope().name(), "|", ss.scope().version(), "|", service, "|");
          for (const auto& kv : rs.resource().attributes())
            absl::StrAppend(&line, "r:", kv.key(), "=", Text(kv.value()), ";");
          for (const auto& kv : span.attributes())
            absl::StrAppend(&line, static_cast<int>(AttributeOwner::kSpan), ":", kv.key(), "=",
                            Text(kv.value()), ";");
          for (const auto& e : span.events())
            for (const auto& kv : e.attributes())
              absl::StrAppend(&line, static_cast<int>(AttributeOwner::kEvent), ":", kv.key(), "=",
                              Text(kv.value()), ";");
          for (const auto& l : span.links())
            for (const auto& kv : l.attributes())
              absl::StrAppend(&line, static_cast<int>(AttributeOwner::kLink), ":", kv.key(), "=",
                              Text(kv.value()), ";");
          for (const auto& e : span.events())
            absl::StrAppend(&line, "e:", e.name(), "@", e.time_unix_nano(), ";");
          full.push_back(line);
        }
    EXPECT_EQ(wire, full);
  }
}

TEST(TraceBatchOps, TypedAttributeValuesReadOnTheWire) {
  otlp::ExportRequest r = testing::MakeRequest(1, 1, 1, 3);
  otlp::Span* span = r.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
  auto add = [&](const char* key) {
    auto* kv = span->add_attributes();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("s")->set_string_value("text");
  add("b")->set_bool_value(true);
  add("i")->set_int_value(-42);
  add("d")->set_double_value(2.5);
  add("x")->set_bytes_value(std::string("\x00\x01", 2));
  add("a")->mutable_array_value()->add_values()->set_int_value(7);
  add("e");
  TraceBatch batch = TraceBatch::FromRequest(r);
  batch.ForEachSpanView([&](const SpanView& s) {
    EXPECT_EQ(s.FindAttribute("s")->bytes, "text");
    EXPECT_TRUE(s.FindAttribute("b")->bool_value);
    EXPECT_EQ(s.FindAttribute("i")->int_value, -42);
    EXPECT_EQ(s.FindAttribute("d")->double_value, 2.5);
    EXPECT_EQ(s.FindAttribute("x")->type, ValueType::kBytes);
    EXPECT_EQ(s.FindAttribute("e")->type, ValueType::kEmpty);
    auto a = s.FindAttribute("a");
    ASSERT_EQ(a->type, ValueType::kArray);
    std::vector<int64_t> values;
    otlp::wire::ForEachArrayValue(a->bytes,
                                  [&](const AttributeValue& v) { values.push_back(v.int_value); });
    EXPECT_EQ(values, std::vector<int64_t>{7});
  });
}

TEST(TraceBatchOps, RetainSpansAgreesWithFullDecode) {
  std::mt19937 rng(7);
  for (const std::string& bytes : Corpus()) {
    for (int round = 0; round < 20; ++round) {
      // A random verdict per span id (a pure function of the span, on both paths).
      std::map<std::string, bool> verdict;
      auto keep_id = [&](absl::string_view id, absl::string_view name) {
        std::string k = absl::StrCat(id, "/", name);
        auto it = verdict.find(k);
        if (it == verdict.end()) it = verdict.emplace(k, rng() % 3 != 0).first;
        return it->second;
      };
      auto batch = TraceBatch::FromProtoBytes(bytes);
      ASSERT_TRUE(batch.ok());
      size_t before = batch->span_count();
      size_t removed =
          batch->RetainSpans([&](const SpanView& s) { return keep_id(s.span_id(), s.name()); });
      otlp::ExportRequest ref = RefRetain(
          Decode(bytes), [&](const otlp::Span& s) { return keep_id(s.span_id(), s.name()); },
          /*drop_empty=*/false);
      EXPECT_EQ(batch->span_count(), CountSpans(ref));
      EXPECT_EQ(removed, before - batch->span_count());
      EXPECT_EQ(batch->ByteSize(), batch->ToProtoBytes().size());
      if (removed == 0) {
        EXPECT_EQ(batch->ToProtoBytes(), bytes);  // untouched chunks are not rewritten
      } else if (batch->span_count() > 0) {
        EXPECT_EQ(Canonical(*batch), Canonical(ref.SerializeAsString()));
      } else {
        EXPECT_TRUE(batch->empty());
        EXPECT_EQ(batch->chunk_count(), 0u);
      }
    }
  }
}

TEST(TraceBatchOps, PartitionByTraceIdAgreesWithFullDecode) {
  for (const std::string& bytes : Corpus()) {
    TraceBatch batch;
    batch.Append(*TraceBatch::FromProtoBytes(bytes));
    batch.Append(*TraceBatch::FromProtoBytes(bytes));  // keys recur across chunks
    batch.set_received_at_ns(5);
    std::vector<BatchPart> parts = batch.Partition([](const SpanView& s) { return s.trace_id(); });
    otlp::ExportRequest once = Decode(bytes);
    size_t total = 0;
    std::set<std::string> keys;
    for (const BatchPart& part : parts) {
      EXPECT_TRUE(keys.insert(part.key).second);
      EXPECT_EQ(part.batch.received_at_ns(), 5);
      EXPECT_EQ(part.batch.ByteSize(), part.batch.ToProtoBytes().size());
      part.batch.ForEachSpanView([&](const SpanView& s) { EXPECT_EQ(s.trace_id(), part.key); });
      total += part.batch.span_count();
      otlp::ExportRequest ref = RefRetain(
          once, [&](const otlp::Span& s) { return s.trace_id() == part.key; },
          /*drop_empty=*/true);
      std::string twice = ref.SerializeAsString() + ref.SerializeAsString();
      EXPECT_EQ(Canonical(part.batch), Canonical(twice));
    }
    EXPECT_EQ(total, batch.span_count());
  }
}

TEST(TraceBatchOps, SubsetSpanAtAndSplitChunksAgreeWithRetainSpans) {
  std::mt19937 rng(11);
  for (const std::string& bytes : Corpus()) {
    TraceBatch batch;
    batch.Append(*TraceBatch::FromProtoBytes(bytes));
    batch.Append(*TraceBatch::FromProtoBytes(bytes));
    batch.set_received_at_ns(9);
    const size_t n = batch.span_count();
    // SpanAt walks the spans in ForEachSpanView order.
    std::vector<uintptr_t> ids;
    batch.ForEachSpanView([&](const SpanView& s) { ids.push_back(s.id()); });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(batch.SpanAt(i).id(), ids[i]);
    for (int round = 0; round < 10; ++round) {
      std::vector<uint32_t> positions;
      std::set<uintptr_t> chosen;
      for (uint32_t i = 0; i < n; ++i) {
        if (rng() % 2 == 0) {
          positions.push_back(i);
          chosen.insert(ids[i]);
        }
      }
      TraceBatch subset = batch.Subset(positions);
      TraceBatch retained = batch.Clone();
      retained.RetainSpans([&](const SpanView& s) { return chosen.count(s.id()) > 0; });
      EXPECT_EQ(subset.span_count(), positions.size());
      EXPECT_EQ(subset.received_at_ns(), 9);
      EXPECT_EQ(subset.ByteSize(), subset.ToProtoBytes().size());
      // The same spans under the same resources and scopes (Subset drops resources and
      // scopes left empty; RetainSpans keeps those that never had spans).
      auto described = [](const TraceBatch& b) {
        std::vector<std::string> out;
        b.ForEachSpanView([&](const SpanView& s) {
          std::string line(s.wire_bytes());
          s.resource().ForEachAttribute([&](absl::string_view k, const AttributeValue& v) {
            absl::StrAppend(&line, "|", k, "=", v.ToString());
          });
          absl::StrAppend(&line, "|", s.scope().name(), "|", s.scope().version());
          out.push_back(line);
        });
        return out;
      };
      EXPECT_EQ(described(subset), described(retained));
    }
    // Every position: the chunks themselves, shared.
    std::vector<uint32_t> all(n);
    for (uint32_t i = 0; i < n; ++i) all[i] = i;
    EXPECT_EQ(batch.Subset(all).ToProtoBytes(), batch.ToProtoBytes());

    std::string whole = batch.ToProtoBytes();
    std::vector<TraceBatch> parts = std::move(batch).SplitChunks();
    EXPECT_TRUE(batch.empty());
    ASSERT_EQ(parts.size(), 2u);
    std::string joined;
    for (const TraceBatch& p : parts) {
      EXPECT_EQ(p.chunk_count(), 1u);
      EXPECT_EQ(p.received_at_ns(), 9);
      p.AppendProtoTo(&joined);
    }
    EXPECT_EQ(joined, whole);
  }
}

TEST(TraceBatchOps, SplitFrontSplicesAndAgrees) {
  for (const std::string& bytes : Corpus()) {
    otlp::ExportRequest ref = Decode(bytes);
    size_t n = CountSpans(ref);
    for (size_t cut = 1; cut <= n; ++cut) {
      auto batch = TraceBatch::FromProtoBytes(bytes);
      ASSERT_TRUE(batch.ok());
      TraceBatch front = batch->SplitFront(cut);
      EXPECT_EQ(front.span_count() + batch->span_count(), n);
      EXPECT_EQ(front.span_count(), cut);
      size_t seen = 0;
      auto first = RefRetain(
          ref, [&](const otlp::Span&) { return seen++ < cut; }, true);
      seen = 0;
      auto rest = RefRetain(
          ref, [&](const otlp::Span&) { return seen++ >= cut; }, true);
      if (cut < n) {
        EXPECT_EQ(Canonical(front), Canonical(first.SerializeAsString()));
        EXPECT_EQ(Canonical(*batch), Canonical(rest.SerializeAsString()));
      }
      EXPECT_EQ(front.ByteSize() + batch->ByteSize(),
                front.ToProtoBytes().size() + batch->ToProtoBytes().size());
    }
  }
}

// The edit every test below applies, on a decoded span and through the editor.
void EditSpan(otlp::Span* span) {
  span->set_name(span->name() + "-edited");
  auto* kv = span->add_attributes();
  kv->set_key("edited");
  kv->mutable_value()->set_bool_value(true);
  for (auto& e : *span->mutable_events()) e.clear_attributes();
}

TEST(TraceBatchOps, EditSpansDecodesOnlyWhatChangesAndAgrees) {
  for (const std::string& bytes : Corpus()) {
    auto batch = TraceBatch::FromProtoBytes(bytes);
    ASSERT_TRUE(batch.ok());
    int n = 0;
    ASSERT_TRUE(batch
                    ->EditSpans([&](SpanEditor& e) {
                      int i = n++;
                      if (i % 4 == 1) EditSpan(e.mutable_span());
                      if (i % 5 == 2) e.Drop();
                      if (i == 0) {
                        auto* kv = e.mutable_resource()->add_attributes();
                        kv->set_key("resource.edited");
                        kv->mutable_value()->set_int_value(1);
                        e.mutable_scope()->set_version("9.9");
                      }
                    })
                    .ok());
    otlp::ExportRequest ref = Decode(bytes);
    int m = 0;
    bool first = true;
    for (auto& rs : *ref.mutable_resource_spans()) {
      for (auto& ss : *rs.mutable_scope_spans()) {
        auto* spans = ss.mutable_spans();
        for (int k = 0; k < spans->size(); ++k) {
          int i = m++;
          if (i % 4 == 1) EditSpan(spans->Mutable(k));
          if (i == 0 && first) {
            first = false;
            auto* kv = rs.mutable_resource()->add_attributes();
            kv->set_key("resource.edited");
            kv->mutable_value()->set_int_value(1);
            ss.mutable_scope()->set_version("9.9");
          }
        }
      }
    }
    int d = 0;
    ref = RefRetain(
        ref, [&](const otlp::Span&) { return d++ % 5 != 2; }, false);
    EXPECT_EQ(Canonical(*batch), Canonical(ref.SerializeAsString()));
    EXPECT_EQ(batch->span_count(), CountSpans(ref));
    EXPECT_EQ(batch->ByteSize(), batch->ToProtoBytes().size());
  }
}

TEST(TraceBatchOps, EditThatChangesNothingKeepsTheBytes) {
  std::string bytes = testing::MakeRequest(2, 2, 3, 4).SerializeAsString();
  auto batch = TraceBatch::FromProtoBytes(bytes);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->EditSpans([](SpanEditor& e) { (void)e.span().name(); }).ok());
  EXPECT_EQ(batch->ToProtoBytes(), bytes);
}

TEST(TraceBatchOps, EditProducingInvalidUtf8IsRefusedAndChangesNothing) {
  std::string bytes = testing::MakeRequest(1, 1, 3, 4).SerializeAsString();
  auto batch = TraceBatch::FromProtoBytes(bytes);
  ASSERT_TRUE(batch.ok());
  absl::Status s = batch->EditSpans([](SpanEditor& e) { e.mutable_span()->set_name("\xff\xfe"); });
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(batch->ToProtoBytes(), bytes);
}

TEST(TraceBatchOps, EditResourcesChangesAndDropsWholeResources) {
  std::string bytes = testing::MakeRequest(3, 2, 2, 8).SerializeAsString();
  auto batch = TraceBatch::FromProtoBytes(bytes);
  ASSERT_TRUE(batch.ok());
  int r = 0;
  ASSERT_TRUE(batch
                  ->EditResources([&](ResourceEditor& e) {
                    int i = r++;
                    if (i == 1) e.Drop();
                    if (i == 2) e.mutable_resource()->mutable_attributes()->RemoveLast();
                  })
                  .ok());
  otlp::ExportRequest ref = Decode(bytes);
  ref.mutable_resource_spans(2)->mutable_resource()->mutable_attributes()->RemoveLast();
  ref.mutable_resource_spans()->DeleteSubrange(1, 1);
  EXPECT_EQ(Canonical(*batch), Canonical(ref.SerializeAsString()));
  EXPECT_EQ(batch->span_count(), 8u);
}

TEST(TraceBatchOps, AttributeListsCoverSpanEventsAndLinks) {
  otlp::Span span = testing::MakeRequest(1, 1, 1).resource_spans(0).scope_spans(0).spans(0);
  std::vector<AttributeOwner> owners;
  ForEachAttributeList(&span, [&](AttributeOwner owner, auto* list) {
    owners.push_back(owner);
    list->Clear();
  });
  std::vector<AttributeOwner> want{AttributeOwner::kSpan};
  for (int i = 0; i < span.events_size(); ++i) want.push_back(AttributeOwner::kEvent);
  for (int i = 0; i < span.links_size(); ++i) want.push_back(AttributeOwner::kLink);
  EXPECT_EQ(owners, want);
  EXPECT_EQ(span.attributes_size(), 0);
}

TEST(TraceBatchOps, ConstReadsFromSeveralThreads) {
  TraceBatch batch = TraceBatch::FromRequest(testing::MakeRequest(3, 3, 20, 5));
  const std::string want = batch.ToProtoBytes();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        size_t spans = 0;
        batch.ForEachSpan([&](const auto&, const auto&, const auto&) { ++spans; });
        batch.ForEachSpanView([&](const SpanView& s) { (void)s.resource().service_name(); });
        if (spans != batch.span_count() || batch.ToProtoBytes() != want) ++failures;
        TraceBatch copy = batch.Clone();
        copy.RetainSpans([](const SpanView& s) { return s.kind() == 2; });
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(batch.ToProtoBytes(), want);
}

TEST(TraceBatchOps, MemoryBytesFollowsTheChunks) {
  TraceBatch batch = TraceBatch::FromRequest(testing::MakeRequest(1, 1, 100, 5));
  size_t full = batch.MemoryBytes();
  EXPECT_GE(full, batch.ByteSize());
  TraceBatch front = batch.SplitFront(10);
  EXPECT_LT(front.MemoryBytes(), full);
  EXPECT_GT(front.MemoryBytes(), front.ByteSize());
  TraceBatch none;
  EXPECT_EQ(none.MemoryBytes(), 0u);
}

}  // namespace
}  // namespace weir::pipeline
