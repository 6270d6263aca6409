// Loading the YAML documents that make up one configuration.
//
// Several files merge in order: mappings merge key by key, recursively; any other value (a
// scalar or a list) in a later file replaces the earlier one, as otelcol does with several
// --config flags.
#pragma once

#include <string>
#include <vector>

#include "config/diagnostics.h"
#include "yaml-cpp/yaml.h"

namespace weir::config {

// Parses and merges `paths` in order. Reports unreadable files and YAML syntax errors (with
// file and line) to `diagnostics` and returns a null node then.
YAML::Node LoadFiles(const std::vector<std::string>& paths, Diagnostics* diagnostics);

// Parses one YAML document held in memory; `name` labels syntax errors.
YAML::Node LoadString(const std::string& text, const std::string& name, Diagnostics* diagnostics);

// Returns `base` with `overlay` merged into it (see above). Neither input is modified.
YAML::Node Merge(const YAML::Node& base, const YAML::Node& overlay);

}  // namespace weir::config
