#include "exporters/otlp/sender.h"

#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/notification.h"
#include "config/blocks.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "pipeline/consumer.h"
#include "pipeline/net/compression.h"
#include "pipeline/net/grpc_compressed_buffer.h"
#include "pipeline/net/grpc_tls.h"
#include "pipeline/otlp/partial_success.h"
#include "pipeline/otlp/rpc_status.h"
#include "pipeline/otlp/types.h"

namespace weir::exporters::otlp {
namespace {

constexpr char kComponent[] = "exporter/otlp";

// gRPC completes a call by its deadline on its own; this is only a safety net against a call
// that never reports back, after which the call is cancelled.
constexpr absl::Duration kCompletionGrace = absl::Seconds(2);

// gRPC's default reconnect backoff grows to 120s, during which every export fails fast with
// UNAVAILABLE even if the destination is back. A gateway restart should cost seconds.
constexpr int kMaxReconnectBackoffMs = 10'000;

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(const Config& config) {
  if (!config.use_tls) return grpc::InsecureChannelCredentials();
  return net::MakeGrpcChannelCredentials(config.tls);
}

// The result of a failed call, following the OTLP specification (and otelcol): gRPC and absl
// share the canonical code numbers, so the code carries over, and a google.rpc.RetryInfo in
// the status details becomes the retry delay. RESOURCE_EXHAUSTED is worth retrying only when
// the server sent RetryInfo (it will recover); without, e.g. for a message larger than the
// server accepts, it is permanent and becomes InvalidArgument, so that no one upstream retries
// it either.
absl::Status ToSendError(const grpc::Status& status, const std::string& endpoint) {
  std::string message = absl::StrCat(endpoint, ": ", status.error_message());
  std::optional<absl::Duration> retry_delay;
  if (!status.error_details().empty()) {
    if (std::optional<weir::otlp::RpcStatus> details =
            weir::otlp::DecodeRpcStatusProto(status.error_details())) {
      retry_delay = details->retry_delay;
    }
  }
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED && !retry_delay) {
    return absl::InvalidArgumentError(
        absl::StrCat(message, " (RESOURCE_EXHAUSTED without RetryInfo: not retried)"));
  }
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), message);
  if (retry_delay && pipeline::IsRetryable(result)) {
    return helper::WithRetryDelay(std::move(result), *retry_delay);
  }
  return result;
}

}  // namespace

GrpcSender::GrpcSender(std::string id, const Config& config)
    : id_(std::move(id)), config_(config) {}

GrpcSender::~GrpcSender() = default;

absl::Status GrpcSender::Start() {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = MakeCredentials(config_);
  if (!credentials.ok()) {
    return absl::Status(credentials.status().code(),
                        absl::StrCat(id_, ": ", credentials.status().message()));
  }
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("weir");
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  if (config_.use_tls && !config_.tls.server_name_override.empty()) {
    args.SetSslTargetNameOverride(config_.tls.server_name_override);
  }
  channel_ = grpc::CreateCustomChannel(config_.target, *credentials, args);
  if (channel_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(id_, ": cannot create a channel to ", config_.endpoint));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stub_ = std::make_shared<grpc::GenericStub>(channel_);
  }
  log::Info(kComponent, "%s: exporting to %s (%s%s)", id_, config_.endpoint,
            config_.use_tls ? "TLS" : "plaintext", config_.compression.gzip() ? ", gzip" : "");
  return absl::OkStatus();
}

absl::Status GrpcSender::Send(const pipeline::TraceBatch& batch, absl::Time deadline) {
  // The call keeps its own reference: Shutdown may drop the sender's at any time.
  std::shared_ptr<grpc::GenericStub> stub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stub = stub_;
  }
  if (stub == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(id_, " is not running"));
  }
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat(config_.endpoint, ": deadline passed before sending"));
  }

  grpc::ByteBuffer request;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  if (config_.compression.gzip()) {
    // Compressed here at the configured level; gRPC would always use zlib's default.
    context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    request =
        net::GzipCompressedByteBuffer(net::Gzip(batch.ToProtoBytes(), config_.compression.level));
  } else {
    // The encoded batch moves into the slice, which frees it when gRPC is done with it.
    auto* bytes = new std::string(batch.ToProtoBytes());
    grpc::Slice slice(
        bytes->data(), bytes->size(), [](void* p) { delete static_cast<std::string*>(p); }, bytes);
    request = grpc::ByteBuffer(&slice, 1);
  }
  grpc::ByteBuffer response;
  // The authenticator's header replaces a configured one of the same name; it is asked at
  // every send so that a rotated credential is used at once.
  std::string auth_key, auth_value;
  if (auth_ != nullptr) {
    std::tie(auth_key, auth_value) = auth_->RequestHeader();
    auth_key = absl::AsciiStrToLower(auth_key);
  }
  for (const auto& [key, value] : config_.headers.entries) {
    if (key != auth_key) context.AddMetadata(key, value);
  }
  if (!auth_key.empty()) context.AddMetadata(auth_key, auth_value);

  pipeline::Notification done;
  grpc::Status result;
  stub->UnaryCall(&context, weir::otlp::kExportMethod, grpc::StubOptions(), &request, &response,
                  [&](grpc::Status status) {
                    result = std::move(status);
                    done.Notify();
                  });
  bool cancelled = false;
  if (!done.WaitForNotificationWithDeadline(deadline + kCompletionGrace)) {
    context.TryCancel();
    cancelled = true;
    // The callback always runs, and it refers to this frame.
    done.WaitForNotification();
  }

  if (!result.ok()) {
    if (cancelled && result.error_code() == grpc::StatusCode::CANCELLED) {
      return absl::DeadlineExceededError(
          absl::StrCat(config_.endpoint, ": no answer by the deadline"));
    }
    return ToSendError(result, config_.endpoint);
  }
  LogPartialSuccess(response, batch.span_count());
  return absl::OkStatus();
}

void GrpcSender::LogPartialSuccess(const grpc::ByteBuffer& response, size_t sent_spans) {
  if (response.Length() == 0) return;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return;
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  weir::otlp::ReportPartialSuccess(
      bytes, weir::otlp::ResponseEncoding::kProto, sent_spans,
      {kComponent, id_, config_.endpoint, /*unparsable_answer=*/"with a response"},
      partial_success_log_);
}

void GrpcSender::Shutdown() {
  std::shared_ptr<grpc::GenericStub> stub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stub.swap(stub_);
  }
  // The channel lives as long as the stub's last reference (a call still in flight).
  channel_.reset();
}

}  // namespace weir::exporters::otlp
