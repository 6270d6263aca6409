#include "processors/probabilistic_sampler/config.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace weir::processors::probabilistic_sampler {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  double pct = 0;
  if (node.Read("sampling_percentage", &pct)) {
    if (!std::isfinite(pct) || pct < 0) {
      node.ErrorAt("sampling_percentage", "must be a number between 0 and 100");
    } else if (pct > 0 && pct / 100 < std::ldexp(1.0, -56)) {
      node.ErrorAt("sampling_percentage", "is too small to sample anything (below 2^-56)");
    }
    cfg->sampling_percentage = static_cast<float>(std::min(pct, 100.0));
  }
  int64_t seed = 0;
  if (node.Read("hash_seed", &seed)) {
    if (seed < 0 || seed > UINT32_MAX)
      node.ErrorAt("hash_seed", "must be between 0 and 4294967295");
    cfg->hash_seed = static_cast<uint32_t>(seed);
  }
  std::string mode;
  cfg->mode = cfg->hash_seed != 0 ? Mode::kHashSeed : Mode::kProportional;
  if (node.Read("mode", &mode) && !mode.empty()) {
    if (mode == "hash_seed") {
      cfg->mode = Mode::kHashSeed;
    } else if (mode == "proportional") {
      cfg->mode = Mode::kProportional;
    } else if (mode == "equalizing") {
      cfg->mode = Mode::kEqualizing;
    } else {
      node.ErrorAt("mode", "must be hash_seed, proportional or equalizing");
    }
  }
  node.Read("fail_closed", &cfg->fail_closed);
  if (node.Read("sampling_precision", &cfg->sampling_precision) &&
      (cfg->sampling_precision < 1 || cfg->sampling_precision > 14)) {
    node.ErrorAt("sampling_precision", "must be between 1 and 14");
  }
  // Logs-only keys of otelcol: accepted with their trace default, refused otherwise.
  std::string source;
  if (node.Read("attribute_source", &source) && source != "traceID") {
    node.ErrorAt("attribute_source", "only traceID applies to traces");
  }
  std::string attr;
  if (node.Read("from_attribute", &attr) && !attr.empty()) {
    node.ErrorAt("from_attribute", "applies to logs only");
  }
  if (node.Read("sampling_priority", &attr) && !attr.empty()) {
    node.ErrorAt("sampling_priority",
                 "applies to logs only (spans use the sampling.priority "
                 "attribute)");
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::probabilistic_sampler
