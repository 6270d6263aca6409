#include "config/diagnostics.h"

#include "absl/strings/str_cat.h"

namespace weir::config {

void Diagnostics::Add(std::string path, std::string message, int line) {
  problems_.push_back(Problem{std::move(path), std::move(message), line});
}

std::string FormatProblem(const Problem& p) {
  std::string out = p.path.empty() ? p.message : absl::StrCat(p.path, ": ", p.message);
  if (p.line > 0) absl::StrAppend(&out, " (line ", p.line, ")");
  return out;
}

std::string Diagnostics::ToString() const {
  std::string out;
  for (const Problem& p : problems_) absl::StrAppend(&out, FormatProblem(p), "\n");
  return out;
}

}  // namespace weir::config
