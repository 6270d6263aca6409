// The `health_check` extension: an HTTP endpoint that answers 200 while every pipeline is
// running and 503 before start-up completes and once shutdown begins, for load balancers and
// Kubernetes probes.
#pragma once

#include "absl/strings/string_view.h"
#include "pipeline/factory.h"

namespace weir::extensions::health_check {

class Factory final : public pipeline::ExtensionFactory {
 public:
  absl::string_view type() const override { return "health_check"; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  std::vector<std::string> ListenEndpoints(const pipeline::ComponentConfig& config) const override;
  absl::StatusOr<std::unique_ptr<pipeline::Extension>> Create(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const override;
};

}  // namespace weir::extensions::health_check
