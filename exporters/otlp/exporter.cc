#include "exporters/otlp/exporter.h"

#include <memory>

#include "exporters/otlp/sender.h"

namespace weir::exporters::otlp {

Exporter::Exporter(const pipeline::Settings& settings, const Config& config)
    : QueuedExporter(settings, config.exporter,
                     std::make_unique<GrpcSender>(settings.id.ToString(), config)) {}

}  // namespace weir::exporters::otlp
