// Config of the `batch` processor, with otelcol's keys and defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/node.h"
#include "pipeline/component.h"

namespace weir::processors::batch {

struct Config : pipeline::ComponentConfig {
  // send_batch_size: a batch is sent as soon as it holds this many spans. Default 8192.
  int64_t send_batch_size = 8192;
  // send_batch_max_size: batches larger than this are split; 0 means no limit. Default 0.
  // When set, it must be >= send_batch_size.
  int64_t send_batch_max_size = 0;
  // timeout: a non-empty batch is sent this long after its first span arrived, whatever its
  // size. 0 sends every request at once (splitting only). Default 200ms.
  absl::Duration timeout = absl::Milliseconds(200);
  // metadata_keys: request metadata keys (HTTP headers / gRPC metadata, matched
  // case-insensitively) whose values keep batches apart. Default [] (one batch).
  std::vector<std::string> metadata_keys;
  // metadata_cardinality_limit: most distinct value combinations batched at once; requests
  // that would add one more are refused. Default 1000. Must be > 0 when metadata_keys is set.
  int64_t metadata_cardinality_limit = 1000;
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::processors::batch
