// The `nop` exporter: accepts every batch and discards it. For pipelines that only need a
// terminal stage (benchmarks of the receive path, sampling experiments).
//
// Threading: as helper::QueuedExporter (no queue; ConsumeTraces returns at once).
#pragma once

#include "exporters/helper/queued_exporter.h"
#include "exporters/nop/config.h"
#include "pipeline/component.h"

namespace weir::exporters::nop {

class Exporter final : public helper::QueuedExporter {
 public:
  Exporter(const pipeline::Settings& settings, const Config& config);

 private:
  static helper::ExporterOptions Options();
};

}  // namespace weir::exporters::nop
