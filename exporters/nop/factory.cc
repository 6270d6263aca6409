#include "exporters/nop/factory.h"

#include "exporters/helper/queued_exporter.h"

namespace weir::exporters::nop {
namespace {

struct Config : pipeline::ComponentConfig {};

class DiscardSender final : public helper::Sender {
 public:
  absl::Status Send(const pipeline::TraceBatch&, absl::Time) override { return absl::OkStatus(); }
};

}  // namespace

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  node.RejectUnknownKeys();
  return std::make_unique<Config>();
}

absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> Factory::CreateTraces(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const {
  helper::ExporterOptions options;
  options.queue.enabled = false;
  return std::make_unique<helper::QueuedExporter>(settings, options,
                                                  std::make_unique<DiscardSender>());
}

}  // namespace weir::exporters::nop
