#include "exporters/helper/grpc_client.h"

#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "exporters/helper/sender.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "pipeline/consumer.h"
#include "pipeline/net/compression.h"
#include "pipeline/net/grpc_compressed_buffer.h"
#include "pipeline/net/grpc_tls.h"
#include "pipeline/notification.h"
#include "pipeline/otlp/rpc_status.h"
#include "pipeline/telemetry/logger.h"

namespace weir::exporters::helper {
namespace {

// Keys of otelcol's gRPC client settings that weir accepts and leaves to gRPC's defaults.
constexpr const char* kIgnoredKeys[] = {"balancer_name", "keepalive", "write_buffer_size",
                                        "read_buffer_size"};

// gRPC completes a call by its deadline on its own; this is only a safety net against a call
// that never reports back, after which the call is cancelled.
constexpr absl::Duration kCompletionGrace = absl::Seconds(2);

// gRPC's default reconnect backoff grows to 120s, during which every call fails fast with
// UNAVAILABLE even if the destination is back. A gateway restart should cost seconds.
constexpr int kMaxReconnectBackoffMs = 10'000;

// Splits `endpoint` into the channel target and a forced TLS choice (from an http:// or
// https:// prefix). Reports problems at `key`.
void ParseEndpoint(config::Node& node, absl::string_view key, const std::string& endpoint,
                   GrpcClientConfig* cfg, std::optional<bool>* forced_tls) {
  absl::string_view rest = endpoint;
  absl::string_view host_port;
  if (absl::ConsumePrefix(&rest, "http://")) {
    *forced_tls = false;
    host_port = rest;
    cfg->target = std::string(rest);
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    *forced_tls = true;
    host_port = rest;
    cfg->target = std::string(rest);
  } else if (absl::ConsumePrefix(&rest, "dns:")) {
    // dns:///host:port or dns://resolver/host:port: gRPC's DNS resolver parses it.
    size_t slash = absl::ConsumePrefix(&rest, "//") ? rest.find('/') : absl::string_view::npos;
    if (slash == absl::string_view::npos) {
      node.ErrorAt(key, absl::StrCat("expected dns:///host:port, got \"", endpoint, "\""));
      return;
    }
    host_port = rest.substr(slash + 1);
    cfg->target = endpoint;
  } else {
    host_port = rest;
    cfg->target = endpoint;
  }
  config::HostPort hp;
  std::string error;
  if (!config::ParseHostPort(host_port, &hp, &error)) {
    node.ErrorAt(key, error);
  } else if (hp.host.empty()) {
    node.ErrorAt(key, absl::StrCat("missing host in \"", endpoint, "\""));
  } else if (hp.port == 0) {
    node.ErrorAt(key, absl::StrCat("port must be from 1 to 65535 in \"", endpoint, "\""));
  }
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const GrpcClientConfig& config) {
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
    return WithRetryDelay(std::move(result), *retry_delay);
  }
  return result;
}

}  // namespace

void DecodeGrpcClientConfig(config::Node& node, GrpcClientConfig* out) {
  std::optional<bool> forced_tls;
  if (node.ReadRequired("endpoint", &out->endpoint)) {
    ParseEndpoint(node, "endpoint", out->endpoint, out, &forced_tls);
  }
  out->tls.Decode(node.Child("tls"));
  out->use_tls = forced_tls.value_or(!out->tls.insecure);

  out->headers.Decode(node, config::HeaderSyntax::kGrpcMetadata);
  out->compression.Decode(node);
  if (node.Has("auth")) out->auth.emplace().Decode(node.Child("auth"));
  for (const char* key : kIgnoredKeys) node.Child(key);
}

GrpcClient::GrpcClient(std::string id, std::string component, GrpcClientConfig config)
    : id_(std::move(id)), component_(std::move(component)), config_(std::move(config)) {}

GrpcClient::~GrpcClient() = default;

absl::Status GrpcClient::Start() {
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
  log::Info(component_, "%s: exporting to %s (%s%s)", id_, config_.endpoint,
            config_.use_tls ? "TLS" : "plaintext", config_.compression.gzip() ? ", gzip" : "");
  return absl::OkStatus();
}

absl::Status GrpcClient::Call(const char* method, std::string request, absl::Time deadline,
                              std::string* response) {
  // The call keeps its own reference: Shutdown may drop the client's at any time.
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

  grpc::ByteBuffer request_buffer;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  if (config_.compression.gzip()) {
    // Compressed here at the configured level; gRPC would always use zlib's default.
    context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    request_buffer = net::GzipCompressedByteBuffer(net::Gzip(request, config_.compression.level));
  } else {
    // The request moves into the slice, which frees it when gRPC is done with it.
    auto* bytes = new std::string(std::move(request));
    grpc::Slice slice(
        bytes->data(), bytes->size(), [](void* p) { delete static_cast<std::string*>(p); }, bytes);
    request_buffer = grpc::ByteBuffer(&slice, 1);
  }
  grpc::ByteBuffer response_buffer;
  // The authenticator's header replaces a configured one of the same name; it is asked at
  // every call so that a rotated credential is used at once.
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
  stub->UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
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
  if (response != nullptr) {
    // An answer whose slices cannot be read counts as an empty one: the call succeeded.
    response->clear();
    std::vector<grpc::Slice> slices;
    if (response_buffer.Length() > 0 && response_buffer.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) {
        response->append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
  }
  return absl::OkStatus();
}

void GrpcClient::Shutdown() {
  std::shared_ptr<grpc::GenericStub> stub;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stub.swap(stub_);
  }
  // The channel lives as long as the stub's last reference (a call still in flight).
  channel_.reset();
}

}  // namespace weir::exporters::helper
