#include "receivers/otlp/factory.h"

#include "receivers/otlp/config.h"
#include "receivers/otlp/receiver.h"

namespace weir::receivers::otlp {

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  return otlp::DecodeConfig(node);
}

std::vector<std::string> Factory::ListenEndpoints(const pipeline::ComponentConfig& config) const {
  const auto& cfg = pipeline::ConfigAs<Config>(config);
  std::vector<std::string> out;
  if (cfg.grpc) out.push_back(cfg.grpc->endpoint);
  if (cfg.http) out.push_back(cfg.http->endpoint);
  return out;
}

absl::StatusOr<std::unique_ptr<pipeline::Component>> Factory::CreateTraces(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config,
    pipeline::TracesConsumer& next) const {
  return std::make_unique<Receiver>(settings, pipeline::ConfigAs<Config>(config), next);
}

}  // namespace weir::receivers::otlp
