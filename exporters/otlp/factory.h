// Factory of the `otlp` exporter (alias `otlp_grpc`): OTLP over gRPC, behind the exporter
// helper's queue, timeout and metrics.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory.h"

namespace weir::exporters::otlp {

class Factory final : public pipeline::ExporterFactory {
 public:
  absl::string_view type() const override { return "otlp"; }
  std::vector<absl::string_view> aliases() const override { return {"otlp_grpc"}; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const override;
};

}  // namespace weir::exporters::otlp
