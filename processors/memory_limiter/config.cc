#include "processors/memory_limiter/config.h"

namespace weir::processors::memory_limiter {

size_t Config::HardLimitBytes(size_t available) const {
  if (limit_mib > 0) return static_cast<size_t>(limit_mib) << 20;
  return available / 100 * static_cast<size_t>(limit_percentage);
}

size_t Config::SoftLimitBytes(size_t available) const {
  size_t hard = HardLimitBytes(available);
  size_t spike;
  if (limit_mib > 0) {
    spike = spike_limit_mib > 0 ? static_cast<size_t>(spike_limit_mib) << 20 : hard / 5;
  } else {
    spike = spike_limit_percentage > 0
                ? available / 100 * static_cast<size_t>(spike_limit_percentage)
                : hard / 5;
  }
  return spike < hard ? hard - spike : 0;
}

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  node.Read("check_interval", &cfg->check_interval);
  if (cfg->check_interval <= absl::ZeroDuration()) {
    node.ErrorAt("check_interval", "must be greater than 0 (e.g. 1s)");
  }
  node.Read("limit_mib", &cfg->limit_mib);
  node.Read("spike_limit_mib", &cfg->spike_limit_mib);
  node.Read("limit_percentage", &cfg->limit_percentage);
  node.Read("spike_limit_percentage", &cfg->spike_limit_percentage);
  if (cfg->limit_mib < 0) node.ErrorAt("limit_mib", "must not be negative");
  if (cfg->spike_limit_mib < 0) node.ErrorAt("spike_limit_mib", "must not be negative");
  if (cfg->limit_percentage < 0 || cfg->limit_percentage > 100) {
    node.ErrorAt("limit_percentage", "must be between 1 and 100");
  }
  if (cfg->spike_limit_percentage < 0 || cfg->spike_limit_percentage > 100) {
    node.ErrorAt("spike_limit_percentage", "must be between 0 and 100");
  }
  if (cfg->limit_mib == 0 && cfg->limit_percentage == 0) {
    node.Error("one of limit_mib and limit_percentage must be greater than 0");
  } else if (cfg->limit_mib > 0) {
    if (cfg->spike_limit_mib >= cfg->limit_mib) {
      node.ErrorAt("spike_limit_mib", "must be smaller than limit_mib");
    }
  } else if (cfg->spike_limit_percentage >= cfg->limit_percentage) {
    node.ErrorAt("spike_limit_percentage", "must be smaller than limit_percentage");
  }
  // Go garbage-collector tuning in otelcol; accepted (and checked) so its configs run, no effect.
  for (const char* key : {"min_gc_interval_when_soft_limited", "min_gc_interval_when_hard_limited",
                          "max_gc_interval_when_soft_limited", "max_gc_interval_when_hard_limited"}) {
    absl::Duration ignored;
    node.Read(key, &ignored);
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::memory_limiter
