#include "exporters/otlp/factory.h"

#include "exporters/helper/queued_exporter.h"
#include "exporters/otlp/config.h"
#include "exporters/otlp/sender.h"

namespace weir::exporters::otlp {

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  return otlp::DecodeConfig(node);
}

absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> Factory::CreateTraces(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const {
  const auto& cfg = pipeline::ConfigAs<Config>(config);
  return std::make_unique<helper::QueuedExporter>(
      settings, cfg.exporter, std::make_unique<GrpcSender>(settings.id.ToString(), cfg));
}

}  // namespace weir::exporters::otlp
