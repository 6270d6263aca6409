#include "pipeline/net/grpc_compressed_buffer.h"

#include "grpc/byte_buffer.h"
#include "grpc/slice.h"

namespace grpc::internal {

// grpc::ByteBuffer keeps its C-core buffer private and names this class as a friend without
// defining it; defining it is the one way to give the C++ API a buffer made by the C core
// (grpc_raw_compressed_byte_buffer_create). This is the only definition in weir.
class GrpcByteBufferPeer {
 public:
  explicit GrpcByteBufferPeer(ByteBuffer* buffer) : buffer_(buffer) {}
  // Takes ownership of `raw`.
  void Adopt(grpc_byte_buffer* raw) { buffer_->set_buffer(raw); }

 private:
  ByteBuffer* buffer_;
};

}  // namespace grpc::internal

namespace weir::net {
namespace {

grpc::ByteBuffer Wrap(grpc_slice slice) {
  grpc::ByteBuffer buffer;
  grpc::internal::GrpcByteBufferPeer(&buffer).Adopt(
      grpc_raw_compressed_byte_buffer_create(&slice, 1, GRPC_COMPRESS_GZIP));
  grpc_slice_unref(slice);  // the byte buffer holds its own reference
  return buffer;
}

}  // namespace

grpc::ByteBuffer GzipCompressedByteBuffer(std::string compressed) {
  auto* owned = new std::string(std::move(compressed));
  grpc_slice slice = grpc_slice_new_with_user_data(
      owned->data(), owned->size(), [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return Wrap(slice);
}

grpc::ByteBuffer GzipCompressedByteBufferView(const std::string& compressed) {
  return Wrap(grpc_slice_from_static_buffer(compressed.data(), compressed.size()));
}

}  // namespace weir::net
