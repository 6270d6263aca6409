// Handing gRPC a message that is already gzip-compressed.
//
// gRPC C++ compresses outgoing messages itself, always at zlib's default level, which costs more
// CPU than the rest of an OTLP export. weir compresses at the configured level instead and hands
// gRPC the result, which it sends marked as compressed without compressing again.
#pragma once

#include <string>

#include "grpcpp/support/byte_buffer.h"

namespace weir::net {

// A ByteBuffer holding `compressed` (gzip) as a message already compressed with gzip. The call
// it is sent on must use set_compression_algorithm(GRPC_COMPRESS_GZIP). Takes ownership of the
// bytes; gRPC frees them when done.
grpc::ByteBuffer GzipCompressedByteBuffer(std::string compressed);

// Same, for bytes that outlive the call (no copy, no ownership).
grpc::ByteBuffer GzipCompressedByteBufferView(const std::string& compressed);

}  // namespace weir::net
