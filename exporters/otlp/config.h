// Config of the `otlp` exporter (OTLP over gRPC), with the keys and defaults of otelcol's
// otlpexporter. Decoding validates everything and derives what the sender needs (the channel
// target and whether to use TLS), so creating the exporter later cannot fail on config.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/blocks.h"
#include "config/node.h"
#include "exporters/helper/exporter_options.h"
#include "exporters/helper/grpc_client.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::exporters::otlp {

using config::Compression;

// The client keys (endpoint, tls, headers, auth, compression) and what is derived from them
// (target, use_tls) come from helper::GrpcClientConfig, as otelcol's otlpexporter embeds
// configgrpc's client settings.
struct Config : pipeline::ComponentConfig, helper::GrpcClientConfig {
  // timeout (default 5s) and sending_queue (enabled, 10 consumers, 1000 batches).
  helper::ExporterOptions exporter;

  // The auth block, client side.
  std::vector<pipeline::AuthReference> AuthReferences() const {
    if (!auth) return {};
    return {{*auth, /*server=*/false}};
  }
};

// Decodes and validates `node` (the exporter's section). Every problem goes to
// node.diagnostics() with its path; the result is only meaningful when there is none.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::otlp
