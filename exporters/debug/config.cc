#include "exporters/debug/config.h"

#include <string>

namespace weir::exporters::debug {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  std::string verbosity;
  if (node.Read("verbosity", &verbosity)) {
    if (verbosity == "basic")
      cfg->verbosity = Verbosity::kBasic;
    else if (verbosity == "normal")
      cfg->verbosity = Verbosity::kNormal;
    else if (verbosity == "detailed")
      cfg->verbosity = Verbosity::kDetailed;
    else
      node.ErrorAt("verbosity", "expected basic, normal or detailed");
  }
  if (node.Read("sampling_initial", &cfg->sampling_initial) && cfg->sampling_initial < 0) {
    node.ErrorAt("sampling_initial", "must not be negative");
  }
  if (node.Read("sampling_thereafter", &cfg->sampling_thereafter) && cfg->sampling_thereafter < 1) {
    node.ErrorAt("sampling_thereafter", "must be at least 1");
  }
  std::string use_internal_logger;
  node.Read("use_internal_logger", &use_internal_logger);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::debug
