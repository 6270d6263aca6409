// The `debug` exporter: writes what passes through the pipeline to stdout, at the chosen
// verbosity, for seeing spans arrive while setting up.
//
// Threading: as helper::QueuedExporter; writes of concurrent batches do not interleave.
#pragma once

#include "exporters/debug/config.h"
#include "exporters/helper/queued_exporter.h"
#include "pipeline/component.h"

namespace weir::exporters::debug {

class Exporter final : public helper::QueuedExporter {
 public:
  // Copies `config`.
  Exporter(const pipeline::Settings& settings, const Config& config);

 private:
  // No queue: each batch is written on the caller's thread.
  static helper::ExporterOptions Options();
};

}  // namespace weir::exporters::debug
