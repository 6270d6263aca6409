// Property fuzz target for TraceBatch's wire operations: on any request the scan accepts,
// Partition, RetainSpans, SplitFront and EditSpans must produce bytes protobuf parses, with the
// spans it finds, and an index equal to a fresh scan of those bytes (the splice translates
// offsets instead of rescanning; a wrong offset shows here).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"

namespace {

using weir::pipeline::SpanView;
using weir::pipeline::TraceBatch;

std::string Fingerprint(const TraceBatch& batch) {
  std::string out;
  batch.ForEachSpanView([&](const SpanView& s) {
    absl::StrAppend(&out, s.trace_id(), "|", s.span_id(), "|", s.name(), "|", s.trace_state(), "|",
                    s.scope().name(), "|", s.kind(), "|", s.flags(), "|", s.status_code(), "\n");
  });
  return out;
}

void Check(const TraceBatch& batch) {
  std::string bytes = batch.ToProtoBytes();
  if (bytes.size() != batch.ByteSize()) std::abort();
  weir::otlp::ExportRequest parsed;
  if (!parsed.ParseFromString(bytes)) std::abort();
  auto rescanned = TraceBatch::FromProtoBytes(bytes);
  if (!rescanned.ok()) std::abort();
  if (rescanned->span_count() != batch.span_count()) std::abort();
  if (Fingerprint(*rescanned) != Fingerprint(batch)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  auto batch =
      TraceBatch::FromProtoBytes(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  if (!batch.ok()) return 0;
  Check(*batch);
  for (const auto& part : batch->Partition([](const SpanView& s) { return s.trace_id(); })) {
    Check(part.batch);
  }
  TraceBatch copy = batch->Clone();
  size_t i = 0;
  copy.RetainSpans([&](const SpanView&) { return ((mode >> (i++ % 8)) & 1) != 0; });
  Check(copy);
  TraceBatch rest = batch->Clone();
  if (rest.span_count() > 1) {
    TraceBatch front = rest.SplitFront(1 + mode % (rest.span_count() - 1));
    Check(front);
    Check(rest);
  }
  size_t j = 0;
  (void)batch->EditSpans([&](weir::pipeline::SpanEditor& e) {
    if (j++ % 2 == 0) e.mutable_span()->set_name("edited");
    if (mode & 1) e.mutable_resource();
  });
  Check(*batch);
  return 0;
}
