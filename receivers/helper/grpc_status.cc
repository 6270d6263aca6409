#include "receivers/helper/grpc_status.h"

#include <string>

#include "pipeline/consumer.h"
#include "pipeline/otlp/rpc_status.h"
#include "receivers/helper/delivery.h"

namespace weir::receivers::helper {

grpc::Status ToGrpcStatus(const absl::Status& s) {
  std::string message(s.message());
  if (absl::IsInvalidArgument(s)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
  }
  if (absl::IsUnimplemented(s)) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, message);
  }
  if (absl::IsResourceExhausted(s)) {
    // RetryInfo marks RESOURCE_EXHAUSTED as retryable for OTLP clients.
    return grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED, message,
        weir::otlp::EncodeRpcStatusProto(weir::otlp::kRpcResourceExhausted, message, kRetryAfter));
  }
  if (!pipeline::IsRetryable(s)) {
    // A permanent failure downstream (a bug, an exporter refusing for good): retrying would
    // only send the same spans again, so the answer is one clients do not retry.
    return grpc::Status(grpc::StatusCode::INTERNAL, message);
  }
  return grpc::Status(
      grpc::StatusCode::UNAVAILABLE, message,
      weir::otlp::EncodeRpcStatusProto(weir::otlp::kRpcUnavailable, message, kRetryAfter));
}

}  // namespace weir::receivers::helper
