#include "exporters/otlphttp/exporter.h"

#include <memory>

#include "exporters/otlphttp/sender.h"

namespace weir::exporters::otlphttp {

Exporter::Exporter(const pipeline::Settings& settings, const Config& config)
    : QueuedExporter(settings, config.exporter,
                     std::make_unique<HttpSender>(settings.id.ToString(), config)) {}

}  // namespace weir::exporters::otlphttp
