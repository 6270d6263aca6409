// The `otlp` exporter: OTLP over gRPC through a GrpcSender, behind the exporter helper's queue,
// retry, timeout and metrics as `sending_queue`, `retry_on_failure` and `timeout` configure them.
//
// Threading: as helper::QueuedExporter.
#pragma once

#include <memory>
#include <optional>

#include "exporters/helper/queued_exporter.h"
#include "exporters/otlp/config.h"
#include "pipeline/component.h"

namespace weir::exporters::otlp {

class Exporter final : public helper::QueuedExporter {
 public:
  // Copies what it needs from `config`.
  Exporter(const pipeline::Settings& settings, const Config& config);

  // Resolves `auth.authenticator` through `host` (the error names the key), then starts.
  absl::Status Start(pipeline::Host& host) override;

 private:
  // Takes ownership of `sender` (new) and keeps a pointer to it.
  Exporter(const pipeline::Settings& settings, const Config& config, class GrpcSender* sender);

  std::optional<config::AuthConfig> auth_;
  GrpcSender* sender_;  // owned by the base
};

}  // namespace weir::exporters::otlp
