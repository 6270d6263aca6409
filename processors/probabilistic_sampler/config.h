// Config of the `probabilistic_sampler` processor, with otelcol's keys and defaults.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/node.h"
#include "pipeline/component.h"

namespace weir::processors::probabilistic_sampler {

enum class Mode { kHashSeed, kProportional, kEqualizing };

struct Config : pipeline::ComponentConfig {
  // sampling_percentage: the share of spans kept, 0..100 (above 100 counts as 100; read as a
  // 32-bit float, as otelcol). Default 0.
  float sampling_percentage = 0;
  // hash_seed: the seed of hash_seed mode; fleets that must agree use the same seed. Default 0.
  uint32_t hash_seed = 0;
  // mode: hash_seed | proportional | equalizing. Default: hash_seed when hash_seed is set,
  // proportional otherwise.
  Mode mode = Mode::kProportional;
  // fail_closed: a span whose randomness or tracestate cannot be read is dropped (true) or
  // kept (false). Default true.
  bool fail_closed = true;
  // sampling_precision: hex digits of the threshold written to tracestate, 1..14. Default 4.
  int sampling_precision = 4;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::processors::probabilistic_sampler
