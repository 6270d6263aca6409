// Reusable configuration blocks shared by several components: network endpoints, TLS client
// settings, the exporter sending queue and timeouts, compression and headers. Each block decodes
// its own keys strictly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/node.h"

namespace weir::config {

// "host:port", "[v6]:port" or ":port" (all interfaces). Port 0 asks the OS for a free port.
struct HostPort {
  std::string host;  // empty means all interfaces
  int port = 0;
};

// Parses an endpoint; returns false and sets *error when it is not host:port with a port in
// [0, 65535].
bool ParseHostPort(absl::string_view text, HostPort* out, std::string* error);

// Reads `key` as a host:port endpoint and checks it. Returns true when a valid value was read.
bool ReadEndpoint(Node& node, absl::string_view key, std::string* endpoint);

// tls: client-side TLS settings (otelcol's configtls.ClientConfig subset).
struct TlsClientConfig {
  bool insecure = false;              // tls.insecure: no TLS at all (plaintext). Default false.
  bool insecure_skip_verify = false;  // tls.insecure_skip_verify: do not verify the server.
  std::string ca_file;                // tls.ca_file: PEM roots; empty uses the system roots.
  std::string cert_file;              // tls.cert_file: client certificate (mTLS).
  std::string key_file;               // tls.key_file: client private key (mTLS).
  std::string server_name_override;   // tls.server_name_override

  // Decodes the `tls` block from `node` (the block itself), reporting bad keys.
  void Decode(Node node);
};

// tls on a receiver: server-side TLS settings (otelcol's configtls.ServerConfig subset).
struct TlsServerConfig {
  std::string cert_file;            // tls.cert_file: required, PEM certificate (chain)
  std::string key_file;             // tls.key_file: required, PEM private key
  std::string client_ca_file;       // tls.client_ca_file: when set, clients must present a
                                    // certificate signed by these CAs (mTLS)
  std::string min_version = "1.2";  // tls.min_version: "1.2" (default) or "1.3"

  // Decodes the `tls` block itself, reporting bad keys and unreadable files.
  void Decode(Node node);
};

// sending_queue: the exporter's in-memory queue in front of its push function.
// sending_queue: how much an exporter holds for its senders before refusing upstream. The
// queue counts in `sizer` units: whole requests (batches), items (spans) or bytes (the
// batches' encoded size). otelcol's default is 1000 requests; weir's, when neither sizer nor
// queue_size is set, is bytes: min(32 MiB, a quarter of the memory budget), so a slow backend
// makes clients slow down instead of weir growing. queue_size without sizer counts requests,
// as in otelcol.
enum class QueueSizer { kRequests, kItems, kBytes };

struct QueueConfig {
  bool enabled = true;     // sending_queue.enabled
  int num_consumers = 10;  // sending_queue.num_consumers: parallel senders
  QueueSizer sizer = QueueSizer::kBytes;  // sending_queue.sizer
  // sending_queue.queue_size, in sizer units; 0 = weir's default for the sizer (requests 1000,
  // items 100000, bytes min(32 MiB, memory budget / 4); see DefaultQueueSize).
  int64_t queue_size = 0;

  void Decode(Node node);
  // queue_size, or the default for the sizer when it is 0. `memory_limit` is the memory
  // budget's limit in bytes.
  int64_t Capacity(size_t memory_limit) const;
};

// The name of a sizer in config and messages: "requests", "items", "bytes".
const char* QueueSizerName(QueueSizer sizer);

// retry_on_failure: how an exporter retries a send that failed with a retryable error
// (otelcol's exponential backoff). Each wait is the current interval ± randomization_factor,
// the interval grows by `multiplier` up to max_interval, and the batch is dropped once
// max_elapsed_time has passed since the first attempt.
struct RetryConfig {
  bool enabled = true;                                   // retry_on_failure.enabled
  absl::Duration initial_interval = absl::Seconds(5);    // ...initial_interval, > 0
  double randomization_factor = 0.5;                     // ...randomization_factor, in [0, 1]
  double multiplier = 1.5;                               // retry_on_failure.multiplier, >= 1
  absl::Duration max_interval = absl::Seconds(30);       // ...max_interval, > 0
  absl::Duration max_elapsed_time = absl::Seconds(300);  // ...max_elapsed_time; 0 = no limit

  // Decodes the block itself (`node` is retry_on_failure), applying otelcol's validation rules
  // and, while enabled, weir's own: initial_interval and max_interval greater than 0 and
  // multiplier at least 1 (otelcol accepts values that make it retry in a tight loop). A
  // max_interval below initial_interval is accepted, as in otelcol: the first wait is
  // initial_interval, later ones max_interval.
  void Decode(Node node);
};

// compression and compression_params.level: an exporter's request compression.
enum class Compression { kNone, kGzip };

struct CompressionConfig {
  // compression: "gzip" (default), or "none" / "" for no compression.
  Compression algorithm = Compression::kGzip;
  // compression_params.level: zlib level 1 (fastest) to 9 (smallest), or -1 (default) for
  // zlib's default (6), as otelcol.
  int level = -1;

  bool gzip() const { return algorithm == Compression::kGzip; }

  // Reads both keys from `node`, the exporter's section (they are not a block of their own in
  // otelcol's schema), reporting unsupported values and unknown compression_params keys.
  void Decode(Node& node);
};

// Which names and values a `headers` block may hold.
enum class HeaderSyntax {
  // gRPC metadata: keys lowercase [0-9a-z-_.] (lowercased at decode time, so two keys that
  // differ in case are duplicates), none starting with "grpc-"; values of keys not ending in
  // "-bin" printable ASCII.
  kGrpcMetadata,
  // HTTP/1.1 header fields: names are RFC 9110 tokens, kept as written; values without CR, LF
  // or NUL; the framing and encoding headers the exporter sets itself are refused.
  kHttp,
};

// headers: extra metadata or header fields an exporter sends with every request.
struct HeadersConfig {
  std::map<std::string, std::string> entries;  // headers: name -> value. Default none.

  // Reads the `headers` map from `node`, the exporter's section, reporting each bad entry at
  // its path and leaving it out.
  void Decode(Node& node, HeaderSyntax syntax);
};

// auth: which authenticator extension guards a receiver's protocol or signs an exporter's
// requests (otelcol's configauth.Config). Only the id is decoded here; whether it names an
// enabled authenticator extension is checked with the whole configuration (service_config.cc).
struct AuthConfig {
  std::string authenticator;  // auth.authenticator: required, an extension id ("type[/name]")
  std::string path;           // the YAML path of `authenticator`, for later diagnostics
  int line = 0;               // its line

  // Decodes the block itself (`node` is `auth`), reporting a missing or malformed id and
  // unknown keys.
  void Decode(Node node);
};

// Reads a file as a whole; returns false when it cannot be read.
bool ReadWholeFile(const std::string& path, std::string* out);

}  // namespace weir::config
