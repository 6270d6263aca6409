// Config of the `otlp` exporter (OTLP over gRPC), with the keys and defaults of otelcol's
// otlpexporter. Decoding validates everything and derives what the sender needs (the channel
// target and whether to use TLS), so creating the exporter later cannot fail on config.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "config/blocks.h"
#include "config/node.h"
#include "exporters/helper/queued_exporter.h"
#include "pipeline/component.h"

namespace weir::exporters::otlp {

// retry_on_failure: otelcol's backoff settings. Decoded and validated so otelcol configs load
// unchanged; the retry itself is not implemented yet (a failed send is reported at once).
struct RetryConfig {
  bool enabled = true;                                   // retry_on_failure.enabled
  absl::Duration initial_interval = absl::Seconds(5);    // retry_on_failure.initial_interval
  double randomization_factor = 0.5;                     // ...randomization_factor, in [0, 1]
  double multiplier = 1.5;                               // retry_on_failure.multiplier, >= 0
  absl::Duration max_interval = absl::Seconds(30);       // retry_on_failure.max_interval
  absl::Duration max_elapsed_time = absl::Seconds(300);  // ...max_elapsed_time; 0 = no limit

  // Decodes the block itself (`node` is retry_on_failure), applying otelcol's validation rules.
  void Decode(config::Node node);
};

enum class Compression { kNone, kGzip };

struct Config : pipeline::ComponentConfig {
  // endpoint: required. "host:port"; "http://host:port" forces plaintext, "https://host:port"
  // forces TLS; "dns:///host:port" (or "dns://resolver/host:port") is handed to gRPC as is.
  std::string endpoint;
  // tls: client TLS settings. TLS is on unless tls.insecure is true or the endpoint starts
  // with http://.
  config::TlsClientConfig tls;
  // headers: extra gRPC metadata sent with every export. Keys are lowercased at decode time.
  // Default none.
  std::map<std::string, std::string> headers;
  // compression: "gzip" (default), or "none" / "" for no compression.
  Compression compression = Compression::kGzip;
  // timeout (default 5s) and sending_queue (enabled, 10 consumers, 1000 batches).
  helper::ExporterOptions exporter;
  // retry_on_failure: decoded only; see RetryConfig.
  RetryConfig retry_on_failure;

  // Derived from endpoint and tls at decode time:
  std::string target;   // what the gRPC channel dials: "host:port" or the dns: URI
  bool use_tls = true;  // whether the channel uses TLS
};

// Decodes and validates `node` (the exporter's section). Every problem goes to
// node.diagnostics() with its path; the result is only meaningful when there is none.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::exporters::otlp
