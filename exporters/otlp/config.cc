#include "exporters/otlp/config.h"

namespace weir::exporters::otlp {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  helper::DecodeGrpcClientConfig(node, cfg.get());
  helper::DecodeExporterOptions(node, &cfg->exporter);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::otlp
