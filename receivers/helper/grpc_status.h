// The gRPC answer to a receiver's refusal, as the OTLP specification has clients read it.
//
// Threading: stateless.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace weir::receivers::helper {

// InvalidArgument → INVALID_ARGUMENT; Unimplemented → UNIMPLEMENTED; ResourceExhausted →
// RESOURCE_EXHAUSTED with a RetryInfo (retry after kRetryAfter); other retryable codes →
// UNAVAILABLE with a RetryInfo; anything else (a permanent failure downstream) → INTERNAL,
// which clients do not retry.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace weir::receivers::helper
