#include "config/loader.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace weir::config {

YAML::Node LoadString(const std::string& text, const std::string& name, Diagnostics* diagnostics) {
  try {
    YAML::Node node = YAML::Load(text);
    if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
      diagnostics->Add(name, "the configuration must be a YAML mapping", 1);
      return YAML::Node();
    }
    return node;
  } catch (const YAML::Exception& e) {
    diagnostics->Add(name, absl::StrCat("invalid YAML: ", e.msg), e.mark.line + 1);
    return YAML::Node();
  }
}

YAML::Node LoadFiles(const std::vector<std::string>& paths, Diagnostics* diagnostics) {
  YAML::Node merged(YAML::NodeType::Map);
  bool ok = true;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) {
      diagnostics->Add(path, "cannot read the configuration file");
      ok = false;
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    size_t before = diagnostics->problems().size();
    YAML::Node doc = LoadString(text.str(), path, diagnostics);
    if (diagnostics->problems().size() != before) {
      ok = false;
      continue;
    }
    merged = Merge(merged, doc);
  }
  return ok ? merged : YAML::Node();
}

YAML::Node Merge(const YAML::Node& base, const YAML::Node& overlay) {
  if (!overlay.IsDefined() || overlay.IsNull()) return base;
  if (!base.IsMap() || !overlay.IsMap()) return overlay;
  YAML::Node result(YAML::NodeType::Map);
  for (auto it = base.begin(); it != base.end(); ++it) result[it->first] = it->second;
  for (auto it = overlay.begin(); it != overlay.end(); ++it) {
    const std::string key = it->first.Scalar();
    YAML::Node existing;
    bool found = false;
    for (auto b = base.begin(); b != base.end(); ++b) {
      if (b->first.Scalar() == key) {
        existing = b->second;
        found = true;
        break;
      }
    }
    if (found) {
      result.remove(key);
      result[it->first] = Merge(existing, it->second);
    } else {
      result[it->first] = it->second;
    }
  }
  return result;
}

}  // namespace weir::config
