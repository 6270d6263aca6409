// Config of the `jaeger` exporter: spans to a Jaeger collector, over gRPC
// (jaeger.api_v2.CollectorService/PostSpans, port 14250) or Thrift over HTTP (POST
// /api/traces, port 14268). otelcol removed its jaeger exporters in 2023; the gRPC keys are
// those its `jaeger` exporter had (otelcol's gRPC client settings), the thrift_http keys those
// of its `jaeger_thrift` exporter (an HTTP client's), chosen by `protocol`.
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
#include "exporters/helper/grpc_client.h"
#include "exporters/helper/http_client.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::exporters::jaeger {

enum class Protocol { kGrpc, kThriftHttp };

struct Config : pipeline::ComponentConfig {
  // protocol: "grpc" (default) or "thrift_http".
  Protocol protocol = Protocol::kGrpc;
  // grpc: endpoint (required, host:port as the otlp exporter's), tls, headers, compression
  // (default none: a Jaeger collector need not accept gzip), auth.
  helper::GrpcClientConfig grpc;
  // thrift_http: endpoint (required): http(s)://host:port[/path]; without a path spans go to
  // /api/traces. tls, headers (HTTP syntax), compression (default none), auth.
  std::string endpoint;
  helper::Url url;  // derived from endpoint
  config::TlsClientConfig tls;
  config::HeadersConfig headers;
  config::CompressionConfig compression;
  std::optional<config::AuthConfig> auth;
  // timeout (default 5s), sending_queue, retry_on_failure.
  helper::ExporterOptions exporter;

  const std::optional<config::AuthConfig>& auth_config() const {
    return protocol == Protocol::kGrpc ? grpc.auth : auth;
  }
  std::vector<pipeline::AuthReference> AuthReferences() const {
    if (!auth_config()) return {};
    return {{*auth_config(), /*server=*/false}};
  }
};

// Decodes and validates `node`; problems go to node.diagnostics() with their paths.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::jaeger
