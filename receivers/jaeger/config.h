// Config of the `jaeger` receiver, with the keys and defaults of otelcol's jaegerreceiver: the
// protocols a Jaeger client, agent or collector sends with. Each protocol is on only when its
// key is under `protocols` (at least one must be).
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "config/blocks.h"
#include "config/node.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::receivers::jaeger {

// protocols.grpc: jaeger.api_v2.CollectorService/PostSpans, as a Jaeger collector serves it.
struct GrpcConfig {
  std::string endpoint = "localhost:14250";  // endpoint
  int max_recv_msg_size_mib = 4;             // max_recv_msg_size_mib
  bool include_metadata = false;             // include_metadata: gRPC metadata to the context
  std::optional<config::TlsServerConfig> tls;
  std::optional<config::AuthConfig> auth;
};

// protocols.thrift_http: POST /api/traces with a binary-Thrift Batch.
struct HttpConfig {
  std::string endpoint = "localhost:14268";  // endpoint
  int64_t max_request_body_size = 20 << 20;  // max_request_body_size (bytes)
  bool include_metadata = false;             // include_metadata: headers to the context
  std::optional<config::TlsServerConfig> tls;
  std::optional<config::AuthConfig> auth;
};

// protocols.thrift_compact (6831) and protocols.thrift_binary (6832): the agent's UDP ports,
// one Agent.emitBatch call per datagram.
struct UdpConfig {
  std::string endpoint;         // endpoint: localhost:6831 (compact) / localhost:6832 (binary)
  int queue_size = 1000;        // queue_size: datagrams waiting for a worker
  int max_packet_size = 65000;  // max_packet_size: larger datagrams are dropped (counted)
  int workers = 10;             // workers: threads decoding datagrams
  int socket_buffer_size = 0;   // socket_buffer_size: SO_RCVBUF in bytes; 0 = the system's
};

struct Config : pipeline::ComponentConfig {
  std::optional<GrpcConfig> grpc;
  std::optional<HttpConfig> thrift_http;
  std::optional<UdpConfig> thrift_compact;
  std::optional<UdpConfig> thrift_binary;

  // The TCP endpoints (gRPC, thrift_http), for the service's clash check; UDP ports are
  // checked when they are bound.
  std::vector<std::string> ListenEndpoints() const;
  std::vector<pipeline::AuthReference> AuthReferences() const;
};

// Decodes and validates `node`; problems go to node.diagnostics() with their paths.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::receivers::jaeger
