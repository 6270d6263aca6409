// ExporterOptions: the exporter helper's config blocks (`timeout`, `sending_queue`,
// `retry_on_failure`), as otelcol's exporterhelper reads them from an exporter's config.
//
// Threading: plain values; decoded once at config time and copied into each exporter.
#pragma once

#include "absl/time/time.h"
#include "config/blocks.h"
#include "config/node.h"

namespace weir::exporters::helper {

struct ExporterOptions {
  config::QueueConfig queue;                  // sending_queue
  absl::Duration timeout = absl::Seconds(5);  // timeout: per send attempt
  // retry_on_failure; off unless the exporter decodes it (DecodeExporterOptions turns on
  // otelcol's default backoff).
  config::RetryConfig retry{.enabled = false};
};

// Decodes the helper's keys (`timeout`, `sending_queue`, `retry_on_failure`) from an
// exporter's config node; problems go to node.diagnostics(). Once decoded, retry_on_failure is
// on with otelcol's defaults unless the block turns it off.
void DecodeExporterOptions(config::Node& node, ExporterOptions* options);

}  // namespace weir::exporters::helper
