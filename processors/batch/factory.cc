#include "processors/batch/factory.h"

#include "processors/batch/config.h"
#include "processors/batch/processor.h"

namespace weir::processors::batch {

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  return batch::DecodeConfig(node);
}

absl::StatusOr<std::unique_ptr<pipeline::TracesProcessor>> Factory::CreateTraces(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config,
    pipeline::TracesConsumer& next) const {
  return std::make_unique<Processor>(settings, pipeline::ConfigAs<Config>(config), next);
}

}  // namespace weir::processors::batch
