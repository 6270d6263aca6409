#include "receivers/helper/grpc_message.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpc/compression.h"
#include "grpc/grpc.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/compression.h"
#include "receivers/helper/delivery.h"

// grpc::ByteBuffer keeps the core buffer, and with it the compression a message arrived with,
// private; the class gRPC declares as its peer for that is defined here, reading only.
namespace grpc::internal {
class GrpcByteBufferPeer {
 public:
  explicit GrpcByteBufferPeer(ByteBuffer* buffer) : buffer_(buffer) {}
  // The algorithm the message is still compressed with (GRPC_COMPRESS_NONE: plain bytes).
  grpc_compression_algorithm compression() const {
    const grpc_byte_buffer* c = buffer_->c_buffer();
    return c != nullptr && c->type == GRPC_BB_RAW ? c->data.raw.compression : GRPC_COMPRESS_NONE;
  }

 private:
  ByteBuffer* buffer_;
};
}  // namespace grpc::internal

namespace weir::receivers::helper {

namespace {

absl::StatusOr<std::string> InflateBounded(absl::string_view compressed, size_t max_message_bytes,
                                           telemetry::ReceiverMetrics& metrics,
                                           absl::string_view component) {
  const size_t room = pipeline::MemoryBudget::Process().room();
  const bool budget_binds = room < max_message_bytes;
  absl::StatusOr<std::string> out =
      net::Gunzip(compressed, budget_binds ? room : max_message_bytes);
  if (out.ok()) {
    if (absl::Status s = AdmitRequest(out->size(), metrics, component); !s.ok()) return s;
    return out;
  }
  if (!absl::IsResourceExhausted(out.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot decompress the message: ", out.status().message()));
  }
  if (budget_binds) {
    metrics.RefusedRequest();
    return pipeline::OverBudget(component);
  }
  return absl::OutOfRangeError(absl::StrCat(
      "decompressed message larger than max_recv_msg_size_mib (", max_message_bytes, " bytes)"));
}

}  // namespace

std::string GrpcMessage::Join() && {
  if (compressed) return std::move(inflated);
  std::string out;
  for (absl::string_view v : views) out.append(v.data(), v.size());
  return out;
}

absl::Status ReadGrpcMessage(grpc::ByteBuffer& request, size_t max_message_bytes,
                             telemetry::ReceiverMetrics& metrics, absl::string_view component,
                             GrpcMessage* out) {
  if (absl::Status s = AdmitRequest(request.Length(), metrics, component); !s.ok()) return s;
  if (!request.Dump(&out->slices).ok()) return absl::InternalError("cannot read request");
  out->views.reserve(out->slices.size());
  for (const grpc::Slice& s : out->slices) {
    out->views.emplace_back(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  const grpc_compression_algorithm compression =
      grpc::internal::GrpcByteBufferPeer(&request).compression();
  if (compression == GRPC_COMPRESS_NONE) return absl::OkStatus();
  if (compression != GRPC_COMPRESS_GZIP && compression != GRPC_COMPRESS_DEFLATE) {
    const char* name = "unknown";
    grpc_compression_algorithm_name(compression, &name);
    return absl::UnimplementedError(
        absl::StrCat("compression \"", name, "\" is not supported; use gzip or deflate"));
  }
  absl::StatusOr<std::string> inflated;
  if (out->views.size() == 1) {
    inflated = InflateBounded(out->views[0], max_message_bytes, metrics, component);
  } else {
    std::string joined;
    for (absl::string_view v : out->views) joined.append(v.data(), v.size());
    inflated = InflateBounded(joined, max_message_bytes, metrics, component);
  }
  if (!inflated.ok()) return inflated.status();
  out->compressed = true;
  out->inflated = *std::move(inflated);
  out->views.clear();  // the compressed bytes are no longer needed
  out->slices.clear();
  return absl::OkStatus();
}

}  // namespace weir::receivers::helper
