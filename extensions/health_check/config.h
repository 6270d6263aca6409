// Config of the `health_check` extension, with otelcol's keys and defaults.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/node.h"
#include "pipeline/component.h"

namespace weir::extensions::health_check {

struct Config : pipeline::ComponentConfig {
  std::string endpoint = "localhost:13133";  // endpoint: host:port to listen on
  std::string path = "/";                    // path: the URL path answered

  // The one endpoint this extension listens on.
  std::vector<std::string> ListenEndpoints() const { return {endpoint}; }
};

// Decodes and validates; problems go to node.diagnostics(). otelcol's
// `check_collector_pipeline` and `response_body` are accepted and ignored.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::extensions::health_check
