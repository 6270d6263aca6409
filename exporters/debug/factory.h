// The `debug` exporter: writes what passes through the pipeline to stdout, at the chosen
// verbosity, for seeing spans arrive while setting up.
#pragma once

#include "absl/strings/string_view.h"
#include "pipeline/factory.h"

namespace weir::exporters::debug {

class Factory final : public pipeline::ExporterFactory {
 public:
  absl::string_view type() const override { return "debug"; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const override;
};

}  // namespace weir::exporters::debug
