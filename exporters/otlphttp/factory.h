// Factory of the `otlphttp` exporter (alias `otlp_http`): OTLP over HTTP/1.1, behind the
// exporter helper's queue, timeout and metrics.
//
// Threading: immutable; used from the control thread.
#pragma once

#include "pipeline/factory.h"

namespace weir::exporters::otlphttp {

class Factory final : public pipeline::ExporterFactory {
 public:
  absl::string_view type() const override { return "otlphttp"; }
  std::vector<absl::string_view> aliases() const override { return {"otlp_http"}; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const override;
};

}  // namespace weir::exporters::otlphttp
