// Factory of the `otlp` receiver.
#pragma once

#include "absl/strings/string_view.h"
#include "pipeline/factory.h"

namespace weir::receivers::otlp {

class Factory final : public pipeline::ReceiverFactory {
 public:
  absl::string_view type() const override { return "otlp"; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  std::vector<std::string> ListenEndpoints(const pipeline::ComponentConfig& config) const override;
  absl::StatusOr<std::unique_ptr<pipeline::Component>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config,
      pipeline::TracesConsumer& next) const override;
};

}  // namespace weir::receivers::otlp
