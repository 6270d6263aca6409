// RequestContext: what a receiver knows of the request that brought a batch, handed down the
// pipeline beside it (TracesConsumer::ConsumeTraces). It carries the client's address, the
// transport, the request's metadata (HTTP headers or gRPC metadata, only when the receiver's
// `include_metadata` is set, and bounded), when the request was received and its deadline.
//
// Stages that merge requests (batch) keep contexts apart only by the metadata keys they are
// configured with and pass on a context holding just those keys, as otelcol does.
//
// Threading: a plain value; immutable once the receiver has built it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace weir::pipeline {

struct RequestContext {
  enum class Transport : uint8_t { kUnknown, kGrpc, kHttp };

  // Bounds on the metadata a receiver copies: further entries are left out.
  static constexpr size_t kMaxMetadataEntries = 64;
  static constexpr size_t kMaxMetadataBytes = 16 << 10;

  Transport transport = Transport::kUnknown;
  // The peer as "ip:port" ("[ip6]:port"); empty when unknown. otelcol's `client.address`.
  std::string client_address;
  // Metadata entries in arrival order, keys lower-cased; a key may repeat.
  std::vector<std::pair<std::string, std::string>> metadata;
  // Steady-clock nanoseconds when the request was received (pipeline::SteadyNowNs); 0 unknown.
  int64_t received_at_ns = 0;
  // When the client stops waiting for the answer (gRPC deadline); InfiniteFuture when none.
  absl::Time deadline = absl::InfiniteFuture();

  // Every value of metadata key `key` (matched case-insensitively), in order.
  std::vector<absl::string_view> Get(absl::string_view key) const;

  // Adds an entry, lower-casing the key, unless the bounds are reached. Returns whether it
  // was added.
  bool AddMetadata(absl::string_view key, absl::string_view value);

  // Transport as otelcol names it in metrics: "grpc", "http" or "".
  absl::string_view transport_name() const;

  // The context of data that came from no request (generated, or tests).
  static const RequestContext& Empty();

 private:
  size_t metadata_bytes_ = 0;
};

}  // namespace weir::pipeline
