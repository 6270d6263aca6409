// google.rpc.Status bodies: what OTLP servers return with a failed export, over HTTP (in the
// request's encoding) and in gRPC's grpc-status-details-bin trailer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace weir::otlp {

// Protobuf encoding of google.rpc.Status{code, message, details}. With `retry_delay`, details
// holds one google.rpc.RetryInfo, which tells OTLP clients the error is worth retrying and when.
std::string EncodeRpcStatusProto(int code, absl::string_view message,
                                 std::optional<absl::Duration> retry_delay = std::nullopt);

// JSON encoding: {"code":3,"message":"..."}.
std::string EncodeRpcStatusJson(int code, absl::string_view message);

// A google.rpc.Status as a server sent it.
struct RpcStatus {
  int code = 0;
  std::string message;
  // RetryInfo.retry_delay, when one of the details is a google.rpc.RetryInfo (the first one
  // counts); a negative delay reads as zero.
  std::optional<absl::Duration> retry_delay;
};

// Decodes the protobuf encoding of a google.rpc.Status (an HTTP error body, or gRPC's
// grpc-status-details-bin). Details other than RetryInfo are skipped. nullopt when the bytes
// are not a well-formed message of that shape.
std::optional<RpcStatus> DecodeRpcStatusProto(absl::string_view bytes);

// gRPC/absl numeric codes used in bodies.
inline constexpr int kRpcInvalidArgument = 3;
inline constexpr int kRpcResourceExhausted = 8;
inline constexpr int kRpcInternal = 13;
inline constexpr int kRpcUnavailable = 14;

}  // namespace weir::otlp
