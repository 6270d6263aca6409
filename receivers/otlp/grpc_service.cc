#include "receivers/otlp/grpc_service.h"

#include <algorithm>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "grpc/grpc.h"
#include "grpcpp/grpcpp.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "pipeline/clock.h"
#include "pipeline/consumer.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/compression.h"
#include "pipeline/net/grpc_tls.h"
#include "pipeline/net/io_pool.h"
#include "pipeline/otlp/rpc_status.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/trace_batch.h"
#include "receivers/otlp/delivery.h"

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

namespace weir::receivers::otlp {

using pipeline::TraceBatch;

namespace {

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
    // only send the same spans again, so the answer is one OTLP clients do not retry.
    return grpc::Status(grpc::StatusCode::INTERNAL, message);
  }
  return grpc::Status(
      grpc::StatusCode::UNAVAILABLE, message,
      weir::otlp::EncodeRpcStatusProto(weir::otlp::kRpcUnavailable, message, kRetryAfter));
}

// Calls waiting per queue: how many requests may arrive at once before one is re-armed.
constexpr int kWaitingCallsPerQueue = 8;

}  // namespace

// TraceService with Export on raw bytes; the handler runs on the completion-queue thread where
// the request arrived.
class GrpcService final
    : public opentelemetry::proto::collector::trace::v1::TraceService::WithRawMethod_Export<
          opentelemetry::proto::collector::trace::v1::TraceService::Service> {
 public:
  GrpcService(pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics,
              log::RateLimited& bad_log, bool include_metadata, size_t max_message_bytes,
              const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log)
      : next_(next),
        metrics_(metrics),
        bad_log_(bad_log),
        include_metadata_(include_metadata),
        max_message_bytes_(max_message_bytes),
        auth_(auth),
        auth_log_(auth_log) {}

  // Handles one request: fills *response and returns the status to finish the call with.
  grpc::Status Handle(grpc::ServerContext& context, grpc::ByteBuffer& request,
                      grpc::ByteBuffer* response) {
    pipeline::RequestContext request_context;
    request_context.received_at_ns = pipeline::SteadyNowNs();
    // Credentials first: an unauthenticated call costs a metadata lookup, not a decode.
    if (auth_ != nullptr) {
      if (absl::Status s = Authenticate(context); !s.ok()) {
        if (absl::IsResourceExhausted(s)) return ToGrpcStatus(s);
        metrics_.Unauthenticated();
        auth_log_.Warn(kComponent, "grpc: refused an unauthenticated request from %s: %s",
                       context.peer(), s.message());
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(s.message()));
      }
    }
    if (absl::Status s = AdmitRequest(request.Length(), metrics_); !s.ok()) return ToGrpcStatus(s);
    std::vector<grpc::Slice> slices;
    if (!request.Dump(&slices).ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "cannot read request");
    }
    std::vector<absl::string_view> views;
    views.reserve(slices.size());
    for (const grpc::Slice& s : slices)
      views.emplace_back(reinterpret_cast<const char*>(s.begin()), s.size());
    const size_t span_limit = SpanLimit();
    absl::StatusOr<TraceBatch> batch;
    const grpc_compression_algorithm compression =
        grpc::internal::GrpcByteBufferPeer(&request).compression();
    if (compression == GRPC_COMPRESS_NONE) {
      batch = TraceBatch::FromProtoSlices(views, span_limit);
    } else {
      absl::StatusOr<std::string> inflated = Inflate(compression, views);
      if (!inflated.ok()) {
        bad_log_.Warn(kComponent, "grpc: refused a compressed request from %s: %s",
                      context.peer(), inflated.status().message());
        if (absl::IsOutOfRange(inflated.status())) {
          // Over max_recv_msg_size_mib: no RetryInfo, the same message never fits.
          return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              std::string(inflated.status().message()));
        }
        return ToGrpcStatus(inflated.status());
      }
      slices.clear();  // the compressed bytes are no longer needed
      views.clear();
      batch = TraceBatch::FromProtoBytes(std::move(*inflated), span_limit);
    }
    if (!batch.ok() && absl::IsResourceExhausted(batch.status())) {
      absl::Status refusal = ScanRefusal(batch.status(), span_limit);
      bad_log_.Warn(kComponent, "grpc: refused a request from %s: %s", context.peer(),
                    refusal.message());
      return ToGrpcStatus(refusal);
    }
    if (!batch.ok()) {
      metrics_.Refused(weir::otlp::wire::RefusedSpans(batch.status()));
      bad_log_.Warn(kComponent, "grpc: refused a malformed request from %s: %s", context.peer(),
                    batch.status().message());
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(batch.status().message()));
    }
    FillContext(context, &request_context);
    Outcome outcome = DeliverRequest(request_context, std::move(*batch), next_, metrics_);
    if (!outcome.status.ok()) return ToGrpcStatus(outcome.status);
    std::string bytes = MakeExportResponse(outcome).SerializeAsString();
    grpc::Slice slice(bytes);
    *response = grpc::ByteBuffer(&slice, 1);
    return grpc::Status::OK;
  }

 private:
  absl::Status Authenticate(const grpc::ServerContext& context) const {
    const auto& metadata = context.client_metadata();
    return auth_->Authenticate(
        [&metadata](absl::string_view key) -> std::optional<absl::string_view> {
          auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
          if (it == metadata.end()) return std::nullopt;
          return absl::string_view(it->second.data(), it->second.size());
        });
  }

  // The client's address ("ipv4:1.2.3.4:5" → "1.2.3.4:5"), the deadline and, when configured,
  // the metadata.
  void FillContext(const grpc::ServerContext& context, pipeline::RequestContext* out) const {
    out->transport = pipeline::RequestContext::Transport::kGrpc;
    const std::string peer_text = context.peer();
    absl::string_view peer = peer_text;
    if (!absl::ConsumePrefix(&peer, "ipv4:")) absl::ConsumePrefix(&peer, "ipv6:");
    out->client_address = std::string(peer);
    auto deadline = context.deadline();
    if (deadline != std::chrono::system_clock::time_point::max()) {
      out->deadline = absl::FromChrono(deadline);
    }
    if (!include_metadata_) return;
    for (const auto& [key, value] : context.client_metadata()) {
      if (!out->AddMetadata(absl::string_view(key.data(), key.size()),
                            absl::string_view(value.data(), value.size()))) {
        break;
      }
    }
  }

  // Inflates a message that arrived compressed (gRPC's own decompression is off, since it
  // inflates the whole message before checking its size): the output may not exceed the
  // receiver's max_recv_msg_size_mib (OutOfRange, not retried) nor what the memory budget has
  // room for (ResourceExhausted, retried later).
  absl::StatusOr<std::string> Inflate(grpc_compression_algorithm compression,
                                      const std::vector<absl::string_view>& views) {
    if (compression != GRPC_COMPRESS_GZIP && compression != GRPC_COMPRESS_DEFLATE) {
      const char* name = "unknown";
      grpc_compression_algorithm_name(compression, &name);
      return absl::UnimplementedError(
          absl::StrCat("compression \"", name, "\" is not supported; use gzip or deflate"));
    }
    if (views.size() == 1) return InflateBounded(views[0]);
    std::string compressed;
    for (absl::string_view v : views) compressed.append(v.data(), v.size());
    return InflateBounded(compressed);
  }

  absl::StatusOr<std::string> InflateBounded(absl::string_view compressed) {
    const size_t room = pipeline::MemoryBudget::Process().room();
    const bool budget_binds = room < max_message_bytes_;
    absl::StatusOr<std::string> out =
        net::Gunzip(compressed, budget_binds ? room : max_message_bytes_);
    if (out.ok()) {
      if (absl::Status s = AdmitRequest(out->size(), metrics_); !s.ok()) return s;
      return out;
    }
    if (!absl::IsResourceExhausted(out.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot decompress the message: ", out.status().message()));
    }
    if (budget_binds) {
      metrics_.RefusedRequest();
      return pipeline::OverBudget("receiver otlp");
    }
    return absl::OutOfRangeError(absl::StrCat(
        "decompressed message larger than max_recv_msg_size_mib (", max_message_bytes_,
        " bytes)"));
  }

  pipeline::TracesConsumer& next_;
  telemetry::ReceiverMetrics& metrics_;
  log::RateLimited& bad_log_;
  bool include_metadata_;
  size_t max_message_bytes_;
  const pipeline::ServerAuthenticator* auth_;  // nullable: no authentication
  log::RateLimited& auth_log_;
};

namespace {

// One Export call: requested on a completion queue, then handled, then finished. Each step is
// an event on the queue with this object as its tag; the object deletes itself at the end.
class GrpcCall {
 public:
  GrpcCall(GrpcService& service, grpc::ServerCompletionQueue& cq)
      : service_(service), cq_(cq), responder_(&context_) {
    service_.RequestExport(&context_, &request_, &responder_, &cq_, &cq_, this);
  }

  // Handles this call's next event; `ok` is the completion queue's verdict.
  void Proceed(bool ok) {
    if (!handled_ && ok) {
      handled_ = true;
      new GrpcCall(service_, cq_);  // keep a call waiting for the next request
      grpc::Status status = service_.Handle(context_, request_, &response_);
      if (status.ok())
        responder_.Finish(response_, status, this);
      else
        responder_.FinishWithError(status, this);
      return;
    }
    delete this;  // finished, or never matched because the server shut down
  }

 private:
  GrpcService& service_;
  grpc::ServerCompletionQueue& cq_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> responder_;
  bool handled_ = false;
};

}  // namespace

GrpcServer::GrpcServer(const GrpcConfig& config, pipeline::TracesConsumer& next,
                       telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
                       const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log)
    : config_(config),
      service_(std::make_unique<GrpcService>(
          next, metrics, bad_request_log, config.include_metadata,
          static_cast<size_t>(config.max_recv_msg_size_mib) * 1024 * 1024, auth, auth_log)) {}

GrpcServer::~GrpcServer() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status GrpcServer::Start() {
  grpc::ServerBuilder builder;
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config_.tls) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
        net::MakeGrpcServerCredentials(*config_.tls);
    if (!tls.ok()) return tls.status();
    credentials = *tls;
  }
  builder.AddListeningPort(config_.endpoint, credentials, &port);
  builder.SetMaxReceiveMessageSize(config_.max_recv_msg_size_mib * 1024 * 1024);
  // Compressed messages reach Handle as they arrived and are inflated there with a bound on
  // the output (gRPC would inflate them whole before checking the size).
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  if (config_.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, config_.max_concurrent_streams);
  }
  builder.RegisterService(service_.get());
  int threads = std::clamp(net::UsableCpus(), 1, 8);
  for (int i = 0; i < threads; ++i) queues_.push_back(builder.AddCompletionQueue());
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    server_.reset();
    for (auto& cq : queues_) {
      cq->Shutdown();
      void* tag;
      bool ok;
      while (cq->Next(&tag, &ok)) {
      }
    }
    queues_.clear();
    return absl::UnavailableError(absl::StrCat("grpc: cannot listen on ", config_.endpoint));
  }
  std::string host_part = config_.endpoint.substr(0, config_.endpoint.rfind(':'));
  if (host_part.empty() || host_part == "localhost") host_part = "127.0.0.1";
  address_ = absl::StrCat(host_part, ":", port);
  for (auto& cq : queues_) {
    for (int i = 0; i < kWaitingCallsPerQueue; ++i) new GrpcCall(*service_, *cq);
    threads_.emplace_back([queue = cq.get()] {
      void* tag;
      bool ok;
      while (queue->Next(&tag, &ok)) static_cast<GrpcCall*>(tag)->Proceed(ok);
    });
  }
  return absl::OkStatus();
}

void GrpcServer::Shutdown(absl::Time deadline) {
  if (!server_) return;
  // Waits for in-flight exports, so every acknowledged span is already downstream.
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_->Wait();
  // Then drain the queues: the calls still there end with ok == false and delete themselves.
  for (auto& cq : queues_) cq->Shutdown();
  for (auto& t : threads_) t.join();
  threads_.clear();
  server_.reset();  // before its completion queues
  queues_.clear();
}

}  // namespace weir::receivers::otlp
