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
  node.Read("metadata_keys", &cfg->metadata_keys);
  for (const std::string& key : cfg->metadata_keys) {
    if (key.empty()) node.ErrorAt("metadata_keys", "must not hold an empty key");
  }
  if (node.Read("metadata_cardinality_limit", &cfg->metadata_cardinality_limit) &&
      cfg->metadata_cardinality_limit <= 0) {
    node.ErrorAt("metadata_cardinality_limit", "must be greater than 0");
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::batch
