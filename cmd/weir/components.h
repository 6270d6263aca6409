// The one explicit list of factories compiled into weir.
#pragma once

#include "absl/status/statusor.h"
#include "pipeline/registry.h"

namespace weir {

// A registry holding every compiled-in receiver, processor, exporter and extension.
absl::StatusOr<std::unique_ptr<pipeline::Registry>> Components();

}  // namespace weir
