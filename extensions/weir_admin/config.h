// Config of the `weir_admin` extension (a weir extension; otelcol has none like it).
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/node.h"
#include "pipeline/component.h"

namespace weir::extensions::weir_admin {

struct Config : pipeline::ComponentConfig {
  // endpoint: host:port of the admin API. Default 127.0.0.1:13134 (loopback only: whoever
  // reaches it can change sampling).
  std::string endpoint = "127.0.0.1:13134";
  std::vector<std::string> ListenEndpoints() const { return {endpoint}; }
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::extensions::weir_admin
