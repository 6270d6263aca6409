#include "exporters/nop/exporter.h"

#include <memory>

namespace weir::exporters::nop {
namespace {

class DiscardSender final : public helper::Sender {
 public:
  absl::Status Send(const pipeline::TraceBatch&, absl::Time) override { return absl::OkStatus(); }
};

}  // namespace

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  node.RejectUnknownKeys();
  return std::make_unique<Config>();
}

Exporter::Exporter(const pipeline::Settings& settings, const Config&)
    : QueuedExporter(settings, Options(), std::make_unique<DiscardSender>()) {}

helper::ExporterOptions Exporter::Options() {
  helper::ExporterOptions options;
  options.queue.enabled = false;
  return options;
}

}  // namespace weir::exporters::nop
