// Config of the `zipkin` exporter, with otelcol's zipkinexporter keys: spans to a Zipkin
// server's POST /api/v2/spans as v2 JSON or protobuf.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/blocks.h"
#include "config/node.h"
#include "exporters/helper/exporter_options.h"
#include "exporters/helper/http_client.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::exporters::zipkin {

enum class Format { kJson, kProto };

struct Config : pipeline::ComponentConfig {
  // endpoint (required): http(s)://host:port/api/v2/spans; without a path spans go to
  // /api/v2/spans.
  std::string endpoint;
  helper::Url url;  // derived from endpoint
  // format: "json" (default, application/json) or "proto" (application/x-protobuf).
  Format format = Format::kJson;
  // default_service_name: the local service of spans whose resource names none.
  std::string default_service_name = "<missing service name>";
  config::TlsClientConfig tls;             // tls
  config::HeadersConfig headers;           // headers
  config::CompressionConfig compression;   // compression: none (default) or gzip
  std::optional<config::AuthConfig> auth;  // auth.authenticator
  // timeout (default 5s), sending_queue, retry_on_failure.
  helper::ExporterOptions exporter;

  std::vector<pipeline::AuthReference> AuthReferences() const {
    if (!auth) return {};
    return {{*auth, /*server=*/false}};
  }
};

// Decodes and validates `node`; problems go to node.diagnostics() with their paths.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::zipkin
