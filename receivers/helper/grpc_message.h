// Reading the message of a gRPC call served on raw bytes, with gRPC's own decompression off
// (GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION = 0): gRPC inflates a whole message before it
// checks the size, so a small gzip bomb would cost gigabytes. Here a compressed message is
// inflated with a bound on the output instead.
//
// Threading: stateless; called from any server thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::receivers::helper {

// One message: its slices as they arrived (not compressed), or the inflated bytes.
struct GrpcMessage {
  bool compressed = false;
  std::vector<grpc::Slice> slices;       // when !compressed: the message, kept alive for views
  std::vector<absl::string_view> views;  // when !compressed: over slices
  std::string inflated;                  // when compressed

  // The whole message in one string (copies the slices when not compressed).
  std::string Join() &&;
};

// Admits the message's size against the memory budget (helper::AdmitRequest), then reads it.
// A compressed message (gzip or deflate) is inflated up to `max_message_bytes` (else
// OutOfRange: answer RESOURCE_EXHAUSTED without RetryInfo, the message never fits) and what the
// budget has room for (else the retryable OverBudget refusal). Errors: InvalidArgument for a
// corrupt stream, Unimplemented for another algorithm, Internal when gRPC's buffer cannot be
// read. `component` names the receiver in logs ("receiver/otlp").
absl::Status ReadGrpcMessage(grpc::ByteBuffer& request, size_t max_message_bytes,
                             telemetry::ReceiverMetrics& metrics, absl::string_view component,
                             GrpcMessage* out);

}  // namespace weir::receivers::helper
