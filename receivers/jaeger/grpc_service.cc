#include "receivers/jaeger/grpc_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/arena.h"
#include "grpcpp/grpcpp.h"
#include "jaeger/api_v2/collector.grpc.pb.h"
#include "pipeline/clock.h"
#include "pipeline/jaeger/wire_count.h"
#include "pipeline/net/grpc_tls.h"
#include "receivers/helper/grpc_message.h"
#include "receivers/helper/grpc_status.h"
#include "receivers/jaeger/delivery.h"

namespace weir::receivers::jaeger {

// CollectorService with PostSpans on raw bytes: gRPC's own decompression is off (it inflates a
// whole message before checking its size), and the message is read with the receivers' bound
// (helper::ReadGrpcMessage).
class GrpcServer::Service final
    : public ::jaeger::api_v2::CollectorService::WithRawCallbackMethod_PostSpans<
          ::jaeger::api_v2::CollectorService::CallbackService> {
 public:
  Service(const GrpcConfig& config, pipeline::TracesConsumer& next,
          telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
          const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log)
      : include_metadata_(config.include_metadata),
        max_message_bytes_(static_cast<size_t>(config.max_recv_msg_size_mib) << 20),
        next_(next),
        metrics_(metrics),
        bad_request_log_(bad_request_log),
        auth_(auth),
        auth_log_(auth_log) {}

  grpc::ServerUnaryReactor* PostSpans(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override {
    auto* reactor = context->DefaultReactor();
    // The answer is an empty PostSpansResponse: no bytes.
    grpc::Slice empty{std::string()};
    *response = grpc::ByteBuffer(&empty, 1);
    reactor->Finish(Handle(*context, *const_cast<grpc::ByteBuffer*>(request)));
    return reactor;
  }

 private:
  grpc::Status Handle(grpc::CallbackServerContext& context, grpc::ByteBuffer& request) {
    pipeline::RequestContext ctx;
    ctx.received_at_ns = pipeline::SteadyNowNs();
    ctx.transport = pipeline::RequestContext::Transport::kGrpc;
    std::string peer_text = context.peer();
    absl::string_view peer = peer_text;
    if (!absl::ConsumePrefix(&peer, "ipv4:")) absl::ConsumePrefix(&peer, "ipv6:");
    ctx.client_address = std::string(peer);
    const auto& metadata = context.client_metadata();
    if (auth_ != nullptr) {
      absl::Status s = auth_->Authenticate(
          [&metadata](absl::string_view key) -> std::optional<absl::string_view> {
            auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
            if (it == metadata.end()) return std::nullopt;
            return absl::string_view(it->second.data(), it->second.size());
          });
      if (!s.ok()) {
        if (absl::IsResourceExhausted(s)) return helper::ToGrpcStatus(s);
        metrics_.Unauthenticated();
        auth_log_.Warn(kComponent, "grpc: refused an unauthenticated request from %s: %s",
                       ctx.client_address, s.message());
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(s.message()));
      }
    }
    if (include_metadata_) {
      for (const auto& [key, value] : metadata) {
        if (!ctx.AddMetadata(absl::string_view(key.data(), key.size()),
                             absl::string_view(value.data(), value.size()))) {
          break;
        }
      }
    }
    helper::GrpcMessage message;
    if (absl::Status s =
            helper::ReadGrpcMessage(request, max_message_bytes_, metrics_, kComponent, &message);
        !s.ok()) {
      bad_request_log_.Warn(kComponent, "grpc: refused a request from %s: %s", ctx.client_address,
                            s.message());
      if (absl::IsOutOfRange(s)) {
        // Over max_recv_msg_size_mib: no RetryInfo, the same message never fits.
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, std::string(s.message()));
      }
      return helper::ToGrpcStatus(s);
    }
    std::string bytes = std::move(message).Join();
    size_t spans = 0;
    const size_t span_limit = helper::SpanLimit();
    const bool counted = weir::jaeger::CountPostSpans(bytes, &spans);
    if (counted && spans > span_limit) {
      absl::Status refusal = helper::ScanRefusal(
          absl::ResourceExhaustedError(absl::StrCat("the request holds ", spans, " spans")),
          span_limit, kComponent);
      bad_request_log_.Warn(kComponent, "grpc: refused a request from %s: %s", ctx.client_address,
                            refusal.message());
      return helper::ToGrpcStatus(refusal);
    }
    // Decoded on an arena: one allocation per block instead of one per string and message.
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = std::max<size_t>(4096, bytes.size() * 2);
    arena_options.max_block_size = std::max<size_t>(arena_options.start_block_size, 1 << 20);
    google::protobuf::Arena arena(arena_options);
    auto* post = google::protobuf::Arena::CreateMessage<::jaeger::api_v2::PostSpansRequest>(&arena);
    if (!counted || !post->ParseFromString(bytes)) {
      bad_request_log_.Warn(kComponent, "grpc: refused a malformed PostSpansRequest from %s",
                            ctx.client_address);
      metrics_.RefusedRequest();
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "malformed jaeger.api_v2.PostSpansRequest");
    }
    bytes.clear();
    bytes.shrink_to_fit();
    ::jaeger::api_v2::Batch& batch = *post->mutable_batch();
    helper::Outcome outcome = DeliverBatch(ctx, std::move(batch), next_, metrics_);
    if (!outcome.status.ok()) {
      if (absl::IsInvalidArgument(outcome.status)) {
        bad_request_log_.Warn(kComponent, "grpc: refused a batch from %s: %s", ctx.client_address,
                              outcome.status.message());
      }
      return helper::ToGrpcStatus(outcome.status);
    }
    return grpc::Status::OK;
  }

  const bool include_metadata_;
  const size_t max_message_bytes_;
  pipeline::TracesConsumer& next_;
  telemetry::ReceiverMetrics& metrics_;
  log::RateLimited& bad_request_log_;
  const pipeline::ServerAuthenticator* auth_;
  log::RateLimited& auth_log_;
};

GrpcServer::GrpcServer(const GrpcConfig& config, pipeline::TracesConsumer& next,
                       telemetry::ReceiverMetrics& metrics, log::RateLimited& bad_request_log,
                       const pipeline::ServerAuthenticator* auth, log::RateLimited& auth_log)
    : config_(config),
      service_(std::make_unique<Service>(config, next, metrics, bad_request_log, auth, auth_log)) {}

GrpcServer::~GrpcServer() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status GrpcServer::Start() {
  grpc::ServerBuilder builder;
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config_.tls) {
    auto tls = net::MakeGrpcServerCredentials(*config_.tls);
    if (!tls.ok()) return tls.status();
    credentials = *tls;
  }
  builder.AddListeningPort(config_.endpoint, credentials, &port);
  builder.SetMaxReceiveMessageSize(config_.max_recv_msg_size_mib * 1024 * 1024);
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("grpc: cannot listen on ", config_.endpoint));
  }
  std::string host = config_.endpoint.substr(0, config_.endpoint.rfind(':'));
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  address_ = absl::StrCat(host, ":", port);
  return absl::OkStatus();
}

void GrpcServer::Shutdown(absl::Time deadline) {
  if (!server_) return;
  // Waits for the calls in flight, so every acknowledged span is already downstream.
  server_->Shutdown(absl::ToChronoTime(deadline));
  server_->Wait();
  server_.reset();
}

}  // namespace weir::receivers::jaeger
