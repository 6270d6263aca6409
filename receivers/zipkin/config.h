// Config of the `zipkin` receiver, with the keys and defaults of otelcol's zipkinreceiver: one
// HTTP server for Zipkin clients and servers (POST /api/v2/spans).
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/blocks.h"
#include "config/node.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::receivers::zipkin {

struct Config : pipeline::ComponentConfig {
  std::string endpoint = "localhost:9411";   // endpoint
  bool parse_string_tags = false;            // parse_string_tags: type "12", "1.5", "true"
  int64_t max_request_body_size = 20 << 20;  // max_request_body_size (bytes)
  bool include_metadata = false;             // include_metadata: headers to the context
  std::optional<config::TlsServerConfig> tls;
  std::optional<config::AuthConfig> auth;

  std::vector<std::string> ListenEndpoints() const { return {endpoint}; }
  std::vector<pipeline::AuthReference> AuthReferences() const {
    if (!auth) return {};
    return {{*auth, /*server=*/true}};
  }
};

// Decodes and validates `node`; problems go to node.diagnostics() with their paths.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::receivers::zipkin
