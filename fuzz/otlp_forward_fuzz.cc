// Differential fuzz target for what weir forwards: the scan accepts a request exactly when
// protobuf parses it and a descriptor-driven walk finds nothing decoders could read
// differently (a known field with another wire type, a repeated singular message, two oneof
// members). For an accepted request, the bytes an exporter would send (the batch's request,
// and each part of a Partition and a SplitFront, which splice) parse with protobuf's generated
// classes to the spans the index describes, grouped in the same resources and scopes, with no
// unknown field where OTLP defines the field.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/otlp/types.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/trace_batch.h"
#include "tests/testing/otlp_wire_check.h"

namespace {

using weir::otlp::AnyValue;
using weir::otlp::KeyValue;
using weir::pipeline::AttributeValue;
using weir::pipeline::SpanView;
using weir::pipeline::TraceBatch;
using weir::pipeline::ValueType;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "otlp_forward_fuzz: %s\n", what.c_str());
  std::abort();
}

// An attribute as "key=type:text", the same whether read from the wire or decoded.
std::string Attribute(absl::string_view key, const AttributeValue& v) {
  return absl::StrCat(key, "=", static_cast<int>(v.type), ":", v.ToString(), ";");
}

std::string Attribute(const KeyValue& kv) {
  AttributeValue v;
  const AnyValue& a = kv.value();
  switch (a.value_case()) {
    case AnyValue::kStringValue:
      v.type = ValueType::kString;
      v.bytes = a.string_value();
      break;
    case AnyValue::kBoolValue:
      v.type = ValueType::kBool;
      v.bool_value = a.bool_value();
      break;
    case AnyValue::kIntValue:
      v.type = ValueType::kInt;
      v.int_value = a.int_value();
      break;
    case AnyValue::kDoubleValue:
      v.type = ValueType::kDouble;
      v.double_value = a.double_value();
      break;
    case AnyValue::kArrayValue:
      v.type = ValueType::kArray;
      break;
    case AnyValue::kKvlistValue:
      v.type = ValueType::kKvList;
      break;
    case AnyValue::kBytesValue:
      v.type = ValueType::kBytes;
      break;
    case AnyValue::VALUE_NOT_SET:
      break;
  }
  return Attribute(kv.key(), v);
}

// One line per span: where it starts a new resource or scope, its index fields, its resource's,
// scope's and own attributes.
std::vector<std::string> FromIndex(const TraceBatch& batch) {
  std::vector<std::string> out;
  uintptr_t resource = 0, scope = 0;
  batch.ForEachSpanView([&](const SpanView& s) {
    std::string line;
    if (s.resource().id() != resource) absl::StrAppend(&line, "R ");
    if (s.scope().id() != scope) absl::StrAppend(&line, "S ");
    resource = s.resource().id();
    scope = s.scope().id();
    absl::StrAppend(&line, s.trace_id(), "|", s.span_id(), "|", s.parent_span_id(), "|", s.name(),
                    "|", s.trace_state(), "|", s.start_time_unix_nano(), "|",
                    s.end_time_unix_nano(), "|", s.kind(), "|", s.flags(), "|", s.status_code(),
                    "|", s.scope().name(), "|", s.scope().version(), "|");
    s.resource().ForEachAttribute(
        [&](absl::string_view k, const AttributeValue& v) { line += Attribute(k, v); });
    line += "|";
    s.scope().ForEachAttribute(
        [&](absl::string_view k, const AttributeValue& v) { line += Attribute(k, v); });
    line += "|";
    // By owner: the wire interleaves events and links as the sender wrote them.
    std::string by_owner[5];
    s.ForEachAttribute([&](weir::pipeline::AttributeOwner owner, absl::string_view k,
                           const AttributeValue& v) {
      absl::StrAppend(&by_owner[static_cast<int>(owner)], static_cast<int>(owner), Attribute(k, v));
    });
    for (const std::string& part : by_owner) line += part;
    out.push_back(std::move(line));
  });
  return out;
}

std::vector<std::string> FromDecoded(const weir::otlp::ExportRequest& request) {
  std::vector<std::string> out;
  for (const auto& rs : request.resource_spans()) {
    bool new_resource = true;
    for (const auto& ss : rs.scope_spans()) {
      bool new_scope = true;
      for (const auto& s : ss.spans()) {
        std::string line;
        if (new_resource) absl::StrAppend(&line, "R ");
        if (new_scope) absl::StrAppend(&line, "S ");
        new_resource = new_scope = false;
        absl::StrAppend(&line, s.trace_id(), "|", s.span_id(), "|", s.parent_span_id(), "|",
                        s.name(), "|", s.trace_state(), "|", s.start_time_unix_nano(), "|",
                        s.end_time_unix_nano(), "|", static_cast<uint32_t>(s.kind()), "|",
                        s.flags(), "|", static_cast<uint32_t>(s.status().code()), "|",
                        ss.scope().name(), "|", ss.scope().version(), "|");
        for (const auto& kv : rs.resource().attributes()) line += Attribute(kv);
        line += "|";
        for (const auto& kv : ss.scope().attributes()) line += Attribute(kv);
        line += "|";
        for (const auto& kv : s.attributes()) absl::StrAppend(&line, 2, Attribute(kv));
        for (const auto& e : s.events())
          for (const auto& kv : e.attributes()) absl::StrAppend(&line, 3, Attribute(kv));
        for (const auto& l : s.links())
          for (const auto& kv : l.attributes()) absl::StrAppend(&line, 4, Attribute(kv));
        out.push_back(std::move(line));
      }
    }
  }
  return out;
}

// What an exporter would send for `batch` must decode to what its index says.
void CheckForwarded(const TraceBatch& batch) {
  const std::string bytes = batch.ToProtoBytes();
  weir::otlp::ExportRequest decoded;
  if (!decoded.ParseFromString(bytes)) Fail("forwarded bytes do not parse");
  if (std::string at = weir::testing::FindUnknownKnownField(decoded); !at.empty()) {
    Fail(absl::StrCat("forwarded bytes hold an unknown field OTLP defines at ", at));
  }
  const auto* descriptor = weir::otlp::ExportRequest::descriptor();
  if (std::string at = weir::testing::FindAmbiguousField(bytes, descriptor); !at.empty()) {
    Fail(absl::StrCat("forwarded bytes are ambiguous: ", at));
  }
  const std::vector<std::string> index = FromIndex(batch);
  const std::vector<std::string> parsed = FromDecoded(decoded);
  if (index.size() != batch.span_count() || parsed.size() != index.size()) {
    Fail(absl::StrCat("span count: index ", index.size(), ", decoded ", parsed.size()));
  }
  if (static_cast<size_t>(decoded.resource_spans_size()) != batch.ResourceCount()) {
    Fail("resource count differs");
  }
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] != parsed[i]) {
      Fail(absl::StrCat("span ", i, " differs:\n  index   ", index[i], "\n  decoded ", parsed[i]));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  weir::otlp::ExportRequest parsed;
  const bool proto_ok = parsed.ParseFromString(bytes);
  const std::string ambiguous =
      proto_ok ? weir::testing::FindAmbiguousField(bytes, weir::otlp::ExportRequest::descriptor())
               : "";
  weir::otlp::wire::Index index;
  const absl::Status scan = weir::otlp::wire::ScanRequest(bytes, &index);
  const bool want = proto_ok && ambiguous.empty();
  if (scan.ok() != want) {
    Fail(absl::StrCat("scan says ", scan.ToString(), "; protobuf ", proto_ok ? "parses" : "refuses",
                      ", ambiguous: ", ambiguous));
  }
  if (!scan.ok()) return 0;
  auto batch = TraceBatch::FromProtoBytes(bytes);
  if (!batch.ok()) Fail("TraceBatch refuses what the scan accepts");
  CheckForwarded(*batch);
  for (const auto& part : batch->Partition([](const SpanView& s) { return s.trace_id(); })) {
    CheckForwarded(part.batch);
  }
  if (batch->span_count() > 1) {
    TraceBatch rest = batch->Clone();
    TraceBatch front = rest.SplitFront(batch->span_count() / 2);
    CheckForwarded(front);
    CheckForwarded(rest);
  }
  return 0;
}
