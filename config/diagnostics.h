// Diagnostics: the list of configuration problems found while loading, decoding and validating.
// Every problem carries the dotted path of the offending key and, when known, its YAML line, so
// all of them can be printed at once: `exporters.file/main.path: required (line 12)`.
//
// Threading: not thread-safe; config work happens on the control thread.
#pragma once

#include <string>
#include <vector>

namespace weir::config {

struct Problem {
  std::string path;     // dotted key path, e.g. "processors.batch.timeout"; may be empty
  std::string message;  // what is wrong
  int line = 0;         // 1-based YAML line, 0 when unknown
};

class Diagnostics {
 public:
  void Add(std::string path, std::string message, int line = 0);
  bool ok() const { return problems_.empty(); }
  const std::vector<Problem>& problems() const { return problems_; }
  // One problem per line, in the order they were found.
  std::string ToString() const;

 private:
  std::vector<Problem> problems_;
};

std::string FormatProblem(const Problem& problem);

}  // namespace weir::config
