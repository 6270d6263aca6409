#include "receivers/otlp/span_checks.h"

#include "absl/strings/str_cat.h"

namespace weir::receivers::otlp {
namespace {

bool AllZero(const std::string& id) {
  for (char c : id)
    if (c != 0) return false;
  return true;
}

// Empty when the span is valid, else why not.
std::string Problem(const weir::otlp::Span& span) {
  if (span.trace_id().size() != 16 || AllZero(span.trace_id())) {
    return absl::StrCat("span \"", span.name(), "\": trace id must be 16 bytes and not all zero");
  }
  if (span.span_id().size() != 8 || AllZero(span.span_id())) {
    return absl::StrCat("span \"", span.name(), "\": span id must be 8 bytes and not all zero");
  }
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8) {
    return absl::StrCat("span \"", span.name(), "\": parent span id must be empty or 8 bytes");
  }
  return "";
}

}  // namespace

size_t RemoveInvalidSpans(pipeline::TraceBatch& batch, std::string* reason) {
  bool any = false;
  batch.ForEachSpan([&](const auto&, const auto&, const weir::otlp::Span& span) {
    if (!any && !Problem(span).empty()) any = true;
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
