#include "exporters/helper/exporter_options.h"

namespace weir::exporters::helper {

void DecodeExporterOptions(config::Node& node, ExporterOptions* options) {
  if (node.Read("timeout", &options->timeout) && options->timeout <= absl::ZeroDuration()) {
    node.ErrorAt("timeout", "must be greater than 0");
  }
  options->queue.Decode(node.Child("sending_queue"));
  options->retry = config::RetryConfig{};
  options->retry.Decode(node.Child("retry_on_failure"));
}

}  // namespace weir::exporters::helper
