#include "receivers/otlp/span_checks.h"

#include "absl/strings/str_cat.h"

namespace weir::receivers::otlp {
namespace {

bool AllZero(absl::string_view id) {
  for (char c : id)
    if (c != 0) return false;
  return true;
}

// Empty when the span is valid, else why not.
std::string Problem(absl::string_view trace_id, absl::string_view span_id,
                    absl::string_view parent_span_id, absl::string_view name) {
  if (trace_id.size() != 16 || AllZero(trace_id)) {
    return absl::StrCat("span \"", name, "\": trace id must be 16 bytes and not all zero");
  }
  if (span_id.size() != 8 || AllZero(span_id)) {
    return absl::StrCat("span \"", name, "\": span id must be 8 bytes and not all zero");
  }
  if (!parent_span_id.empty() && parent_span_id.size() != 8) {
    return absl::StrCat("span \"", name, "\": parent span id must be empty or 8 bytes");
  }
  return "";
}

std::string Problem(const weir::otlp::Span& span) {
  return Problem(span.trace_id(), span.span_id(), span.parent_span_id(), span.name());
}

}  // namespace

size_t RemoveInvalidSpans(pipeline::TraceBatch& batch, std::string* reason) {
  // The check reads the wire index; only a batch with a bad span is decoded to remove it.
  bool any = false;
  batch.ForEachSpanSummary([&](const pipeline::SpanSummary& s) {
    if (!any && !Problem(s.trace_id, s.span_id, s.parent_span_id, s.name).empty()) any = true;
  });
  if (!any) return 0;
  size_t before = batch.span_count();
  batch.Mutate([&](weir::otlp::ExportRequest* request) {
    for (auto& rs : *request->mutable_resource_spans()) {
      for (auto& ss : *rs.mutable_scope_spans()) {
        auto* spans = ss.mutable_spans();
        int kept = 0;
        for (int i = 0; i < spans->size(); ++i) {
          std::string problem = Problem(spans->Get(i));
          if (!problem.empty()) {
            if (reason->empty()) *reason = problem;
            continue;
          }
          if (kept != i) spans->SwapElements(kept, i);
          ++kept;
        }
        spans->DeleteSubrange(kept, spans->size() - kept);
      }
    }
  });
  return before - batch.span_count();
}

}  // namespace weir::receivers::otlp
