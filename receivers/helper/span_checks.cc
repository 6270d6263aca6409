#include "receivers/helper/span_checks.h"

#include "absl/strings/str_cat.h"

namespace weir::receivers::helper {
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

}  // namespace

size_t RemoveInvalidSpans(pipeline::TraceBatch& batch, std::string* reason) {
  // The check reads the wire index; spans that fail it are spliced out, nothing is decoded.
  return batch.RetainSpans([&](const pipeline::SpanView& s) {
    std::string problem = Problem(s.trace_id(), s.span_id(), s.parent_span_id(), s.name());
    if (problem.empty()) return true;
    if (reason->empty()) *reason = problem;
    return false;
  });
}

}  // namespace weir::receivers::helper
