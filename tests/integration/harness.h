// Helpers shared by the integration tests: reading the file exporter's output and comparing
// spans with their resource and scope, independent of batching and arrival order.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"

namespace weir::testing {

// Every span as "resource bytes | scope bytes | span bytes", sorted: two requests carry the
// same spans (with the same resource and scope) exactly when these lists are equal.
inline std::vector<std::string> SpanKeys(const otlp::ExportRequest& request) {
  std::vector<std::string> keys;
  for (const auto& rs : request.resource_spans()) {
    std::string resource = rs.resource().SerializeAsString() + "|" + rs.schema_url();
    for (const auto& ss : rs.scope_spans()) {
      std::string scope = ss.scope().SerializeAsString() + "|" + ss.schema_url();
      for (const auto& span : ss.spans()) {
        keys.push_back(resource + "|" + scope + "|" + span.SerializeAsString());
      }
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Reads a file exporter's JSON-lines output into one merged request.
inline otlp::ExportRequest ReadJsonLines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  otlp::ExportRequest all;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    otlp::ExportRequest r;
    absl::Status s = otlp::ParseRequestJson(line, &r);
    EXPECT_TRUE(s.ok()) << s << "\nline: " << line.substr(0, 200);
    all.MergeFrom(r);
  }
  return all;
}

}  // namespace weir::testing
