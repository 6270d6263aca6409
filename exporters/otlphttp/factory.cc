#include "exporters/otlphttp/factory.h"

#include "exporters/helper/queued_exporter.h"
#include "exporters/otlphttp/config.h"
#include "exporters/otlphttp/sender.h"

namespace weir::exporters::otlphttp {

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  return otlphttp::DecodeConfig(node);
}

absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> Factory::CreateTraces(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const {
  const auto& cfg = pipeline::ConfigAs<Config>(config);
  return std::make_unique<helper::QueuedExporter>(
      settings, cfg.exporter, std::make_unique<HttpSender>(settings.id.ToString(), cfg));
}

}  // namespace weir::exporters::otlphttp
