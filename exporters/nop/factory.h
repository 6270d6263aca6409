// The `nop` exporter: accepts every batch and discards it. For pipelines that only need a
// terminal stage (benchmarks of the receive path, sampling experiments).
#pragma once

#include "absl/strings/string_view.h"
#include "pipeline/factory.h"

namespace weir::exporters::nop {

class Factory final : public pipeline::ExporterFactory {
 public:
  absl::string_view type() const override { return "nop"; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const override;
};

}  // namespace weir::exporters::nop
