// Config of the `otlphttp` exporter (OTLP over HTTP/1.1), with the keys and defaults of
// otelcol's otlphttpexporter. Decoding validates everything and derives the parsed traces URL,
// so creating the exporter later cannot fail on config.
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
#include "exporters/helper/http_client.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::exporters::otlphttp {

using config::Compression;
enum class Encoding { kProto, kJson };

// The URL type and its parser live with the HTTP client (exporters/helper/http_client.h).
using helper::ParseUrl;
using helper::Url;

struct Config : pipeline::ComponentConfig {
  // endpoint: base URL, e.g. "https://collector:4318"; spans go to endpoint + "/v1/traces".
  // Default none; endpoint or traces_endpoint is required.
  std::string endpoint;
  // traces_endpoint: the full traces URL; overrides endpoint. Default none.
  std::string traces_endpoint;
  // tls: client TLS settings, used for https URLs (tls.insecure has no effect: the URL's
  // scheme decides).
  config::TlsClientConfig tls;
  // headers: extra HTTP headers sent with every request. Default none.
  config::HeadersConfig headers;
  // auth.authenticator: a client authenticator extension whose header goes with every request
  // (replacing a configured header of the same name). Default none.
  std::optional<config::AuthConfig> auth;
  // compression (default "gzip") and compression_params.level (default -1, zlib's default).
  config::CompressionConfig compression;
  // encoding: "proto" (default, application/x-protobuf) or "json" (application/json).
  Encoding encoding = Encoding::kProto;
  // timeout (default 30s) and sending_queue (enabled, 10 consumers, 1000 batches).
  helper::ExporterOptions exporter;

  // Derived at decode time: where spans are POSTed.
  Url traces_url;

  // The auth block, client side.
  std::vector<pipeline::AuthReference> AuthReferences() const {
    if (!auth) return {};
    return {{*auth, /*server=*/false}};
  }
};

// Decodes and validates `node` (the exporter's section). Every problem goes to
// node.diagnostics() with its path; the result is only meaningful when there is none.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::otlphttp
