// Fuzz target for the Jaeger Thrift decoders (agent datagrams in the compact and binary
// protocols, the binary Batch of POST /api/traces) and the translation that follows them: never
// crashes or allocates what the input cannot hold, a decoded HTTP body re-encodes to a Batch
// that decodes to the same value, and whenever both Apache Thrift's readers and weir's in-place
// reader (thrift_view.h → thrift_to_otlp.h) accept the bytes they produce the same OTLP request.
//
// The first byte picks the decoder: 0 compact datagram, 1 binary datagram, else HTTP body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/jaeger/thrift_to_otlp.h"
#include "pipeline/jaeger/thrift_view.h"
#include "pipeline/jaeger/to_otlp.h"
#include "pipeline/trace_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  absl::StatusOr<weir::jaeger::thrift::Batch> batch;
  weir::jaeger::thrift_view::Batch view;
  absl::Status view_status;
  switch (data[0]) {
    case 0:
      batch = weir::jaeger::DecodeAgentDatagram(bytes, weir::jaeger::ThriftProtocol::kCompact);
      view_status = weir::jaeger::thrift_view::ReadAgentDatagram(
          bytes, weir::jaeger::ThriftProtocol::kCompact, &view);
      break;
    case 1:
      batch = weir::jaeger::DecodeAgentDatagram(bytes, weir::jaeger::ThriftProtocol::kBinary);
      view_status = weir::jaeger::thrift_view::ReadAgentDatagram(
          bytes, weir::jaeger::ThriftProtocol::kBinary, &view);
      break;
    default: {
      batch = weir::jaeger::DecodeBatch(bytes);
      view_status = weir::jaeger::thrift_view::ReadBatch(bytes, &view);
      if (batch.ok()) {
        absl::StatusOr<weir::jaeger::thrift::Batch> again =
            weir::jaeger::DecodeBatch(weir::jaeger::EncodeBatch(*batch));
        // Compared as bytes: a NaN double is never equal to itself.
        if (!again.ok() || weir::jaeger::EncodeBatch(*again) != weir::jaeger::EncodeBatch(*batch)) {
          std::abort();
        }
      }
    }
  }
  if (!batch.ok()) return 0;
  const size_t spans = batch->spans.size();
  weir::jaeger::model::Batch model;
  weir::jaeger::ThriftToModel(*std::move(batch), &model);
  weir::otlp::ExportRequest request;
  if (!weir::jaeger::BatchToResourceSpans(std::move(model), &request).ok()) return 0;
  if (view_status.ok()) {
    std::string written;
    weir::jaeger::AppendOtlpRequest(view, &written);
    if (written != request.SerializeAsString()) std::abort();
  }
  absl::StatusOr<weir::pipeline::TraceBatch> encoded =
      weir::pipeline::TraceBatch::EncodeRequest(request);
  if (encoded.ok() && encoded->span_count() != spans) std::abort();
  return 0;
}
