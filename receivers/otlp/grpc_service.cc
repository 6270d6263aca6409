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
#include "receivers/helper/delivery.h"
#include "receivers/helper/grpc_message.h"
#include "receivers/helper/grpc_status.h"

namespace weir::receivers::otlp {

using helper::ToGrpcStatus;
using pipeline::TraceBatch;

namespace {

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
    helper::GrpcMessage message;
    if (absl::Status s =
            helper::ReadGrpcMessage(request, max_message_bytes_, metrics_, kComponent, &message);
        !s.ok()) {
      if (absl::IsInvalidArgument(s) || absl::IsUnimplemented(s) || absl::IsOutOfRange(s)) {
        bad_log_.Warn(kComponent, "grpc: refused a compressed request from %s: %s", context.peer(),
                      s.message());
      }
      if (absl::IsOutOfRange(s)) {
        // Over max_recv_msg_size_mib: no RetryInfo, the same message never fits.
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, std::string(s.message()));
      }
      return ToGrpcStatus(s);
    }
    const size_t span_limit = helper::SpanLimit();
    absl::StatusOr<TraceBatch> batch =
        message.compressed ? TraceBatch::FromProtoBytes(std::move(message.inflated), span_limit)
                           : TraceBatch::FromProtoSlices(message.views, span_limit);
    if (!batch.ok() && absl::IsResourceExhausted(batch.status())) {
      absl::Status refusal = helper::ScanRefusal(batch.status(), span_limit, kComponent);
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
    helper::Outcome outcome =
        helper::DeliverRequest(request_context, std::move(*batch), next_, metrics_);
    if (!outcome.status.ok()) return ToGrpcStatus(outcome.status);
    std::string bytes = helper::MakeExportResponse(outcome).SerializeAsString();
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
