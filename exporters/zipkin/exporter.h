// The `zipkin` exporter: the sender (sender.h) behind the exporter helper's queue, retry,
// timeout and metrics.
//
// Threading: as helper::QueuedExporter.
#pragma once

#include <optional>

#include "exporters/helper/queued_exporter.h"
#include "exporters/zipkin/config.h"
#include "pipeline/component.h"

namespace weir::exporters::zipkin {

class Sender;

class Exporter final : public helper::QueuedExporter {
 public:
  // Copies what it needs from `config`.
  Exporter(const pipeline::Settings& settings, const Config& config);

  // Resolves `auth.authenticator` through `host` (the error names the key), then starts.
  absl::Status Start(pipeline::Host& host) override;

 private:
  Exporter(const pipeline::Settings& settings, const Config& config, Sender* sender);

  std::optional<config::AuthConfig> auth_;
  Sender* sender_;  // owned by the base
};

}  // namespace weir::exporters::zipkin
