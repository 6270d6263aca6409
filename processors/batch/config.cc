#include "processors/batch/config.h"

namespace weir::processors::batch {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (node.Read("send_batch_size", &cfg->send_batch_size) && cfg->send_batch_size < 0) {
    node.ErrorAt("send_batch_size", "must not be negative");
  }
  if (node.Read("send_batch_max_size", &cfg->send_batch_max_size) && cfg->send_batch_max_size < 0) {
    node.ErrorAt("send_batch_max_size", "must not be negative");
  }
  if (cfg->send_batch_max_size > 0 && cfg->send_batch_max_size < cfg->send_batch_size) {
    node.ErrorAt("send_batch_max_size", "must be greater than or equal to send_batch_size");
  }
  node.Read("timeout", &cfg->timeout);
  std::vector<std::string> metadata_keys;
  if (node.Read("metadata_keys", &metadata_keys) && !metadata_keys.empty()) {
    node.ErrorAt("metadata_keys", "batching by request metadata is not supported");
  }
  int64_t ignored;
  node.Read("metadata_cardinality_limit", &ignored);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::batch
