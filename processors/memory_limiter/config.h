// Config of the `memory_limiter` processor, with otelcol's keys and rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "config/node.h"
#include "pipeline/component.h"

namespace weir::processors::memory_limiter {

struct Config : pipeline::ComponentConfig {
  // check_interval: how often the process's memory is measured. Required, > 0 (otelcol's
  // default 0 is refused there too; 1s is the usual value).
  absl::Duration check_interval = absl::ZeroDuration();
  // limit_mib: the hard limit, in MiB. One of limit_mib and limit_percentage must be set.
  int64_t limit_mib = 0;
  // spike_limit_mib: headroom below the hard limit; the soft limit is limit - spike. Default
  // 20% of the limit; must be below it.
  int64_t spike_limit_mib = 0;
  // limit_percentage / spike_limit_percentage: the same, as a percentage of the memory the
  // process may use (cgroup limit or physical memory). Used when limit_mib is 0.
  int64_t limit_percentage = 0;
  int64_t spike_limit_percentage = 0;

  // The hard and soft limits in bytes, for `available` bytes of memory.
  size_t HardLimitBytes(size_t available) const;
  size_t SoftLimitBytes(size_t available) const;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::processors::memory_limiter
