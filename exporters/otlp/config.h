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
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::exporters::otlp {

using config::Compression;

struct Config : pipeline::ComponentConfig {
  // endpoint: required. "host:port"; "http://host:port" forces plaintext, "https://host:port"
  // forces TLS; "dns:///host:port" (or "dns://resolver/host:port") is handed to gRPC as is.
  std::string endpoint;
  // tls: client TLS settings. TLS is on unless tls.insecure is true or the endpoint starts
  // with http://.
  config::TlsClientConfig tls;
  // headers: extra gRPC metadata sent with every export. Keys are lowercased at decode time.
  // Default none.
  config::HeadersConfig headers;
  // auth.authenticator: a client authenticator extension whose header goes with every export
  // (after `headers`, so it wins on the same key). Default none.
  std::optional<config::AuthConfig> auth;
  // compression (default "gzip") and compression_params.level (default -1, zlib's default).
  config::CompressionConfig compression;
  // timeout (default 5s) and sending_queue (enabled, 10 consumers, 1000 batches).
  helper::ExporterOptions exporter;

  // Derived from endpoint and tls at decode time:
  std::string target;   // what the gRPC channel dials: "host:port" or the dns: URI
  bool use_tls = true;  // whether the channel uses TLS

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
