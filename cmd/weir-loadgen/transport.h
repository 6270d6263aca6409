// Transport: how weir-loadgen puts one encoded export request on the wire and learns its fate.
// Implementations: GrpcTransport (grpc_transport.h) and HttpTransport (http_transport.h).
//
// A transport offers a fixed number of lanes; each lane carries at most one request at a time
// (a gRPC channel has `inflight` lanes, an HTTP connection one).
//
// Threading: Connect, Send and Close are called on the thread that runs the io_context given
// to the transport; `done` callbacks run on that thread too.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "cmd/weir-loadgen/payloads.h"

namespace weir::loadgen {

enum class Outcome {
  kAcked,    // gRPC OK, HTTP 2xx
  kRefused,  // the collector pushed back: gRPC UNAVAILABLE / RESOURCE_EXHAUSTED, HTTP 429 / 503
  kFailed,   // anything else, including connection errors
};

struct SendResult {
  Outcome outcome = Outcome::kFailed;
  uint64_t rejected_spans = 0;    // partial success reported with an acknowledgement
  bool connection_error = false;  // no answer from the collector (connect, reset, timeout)
  std::string error;              // short description when not acknowledged
};

using SendCallback = std::function<void(SendResult result)>;

class Transport {
 public:
  virtual ~Transport() = default;

  // Opens every connection before the run so connecting does not count as latency. Blocks
  // for at most `timeout`; call it before the io_context runs. Returns Unavailable naming the
  // endpoint when it cannot connect, InvalidArgument when the endpoint does not resolve.
  virtual absl::Status Connect(absl::Duration timeout) = 0;

  virtual int lanes() const = 0;

  // Sends `payload` on `lane`. `done` runs exactly once, later, on the io_context thread (never
  // inside Send). REQUIRES: 0 <= lane < lanes(), and the lane's previous request is done.
  virtual void Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) = 0;

  // Closes the connections. REQUIRES: no request outstanding.
  virtual void Close() = 0;
};

}  // namespace weir::loadgen
