// Factory of the `batch` processor.
#pragma once

#include "absl/strings/string_view.h"
#include "pipeline/factory.h"

namespace weir::processors::batch {

class Factory final : public pipeline::ProcessorFactory {
 public:
  absl::string_view type() const override { return "batch"; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  absl::StatusOr<std::unique_ptr<pipeline::TracesProcessor>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config,
      pipeline::TracesConsumer& next) const override;
};

}  // namespace weir::processors::batch
