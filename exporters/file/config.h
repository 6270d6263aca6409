// Config of the `file` exporter, with otelcol's keys and defaults.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "config/node.h"
#include "pipeline/component.h"

namespace weir::exporters::file {

enum class Format { kJson, kProto };

struct RotationConfig {
  bool enabled = false;     // set when a `rotation` block is present
  int max_megabytes = 100;  // rotation.max_megabytes: size that triggers a rotation
  int max_days = 0;         // rotation.max_days: delete backups older than this; 0 keeps all
  int max_backups = 100;    // rotation.max_backups: rotated files kept; 0 keeps all
  bool localtime = false;   // rotation.localtime: timestamps in backup names in local time
};

struct Config : pipeline::ComponentConfig {
  std::string path;                                  // path: required
  Format format = Format::kJson;                     // format: json (default) or proto
  bool append = false;                               // append: false truncates at start
  absl::Duration flush_interval = absl::Seconds(1);  // flush_interval: default 1s
  RotationConfig rotation;                           // rotation: off unless present
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::file
