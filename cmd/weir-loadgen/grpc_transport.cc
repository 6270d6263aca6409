#include "cmd/weir-loadgen/grpc_transport.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boost/asio/post.hpp"
#include "grpc/byte_buffer.h"
#include "grpc/slice.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/channel_arguments.h"
#include "pipeline/net/grpc_compressed_buffer.h"
#include "pipeline/otlp/types.h"

namespace weir::loadgen {
namespace {

// Per-channel argument whose distinct value keeps gRPC from sharing connections.
constexpr char kChannelIndexArg[] = "weir.loadgen.channel";

// Reconnect quickly once the collector is back.
constexpr int kMaxReconnectBackoffMs = 1000;

constexpr int kMaxResponseBytes = 64 << 20;

std::string DescribeStatus(const grpc::Status& status) {
  return absl::StrCat("grpc ",
                      absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                      ": ", status.error_message());
}

uint64_t RejectedSpans(const grpc::ByteBuffer& response) {
  if (response.Length() == 0) return 0;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return 0;
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  otlp::ExportResponse parsed;
  if (!parsed.ParseFromString(bytes)) return 0;
  return static_cast<uint64_t>(std::max<int64_t>(0, parsed.partial_success().rejected_spans()));
}

}  // namespace

struct GrpcTransport::Call {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  std::shared_ptr<const Payload> payload;  // the request's bytes; kept until the call is done
  grpc::Channel* channel = nullptr;
  SendCallback done;
};

GrpcTransport::GrpcTransport(boost::asio::io_context& io, GrpcTransportOptions options)
    : io_(io), options_(std::move(options)), method_(otlp::kExportMethod) {}

GrpcTransport::~GrpcTransport() { Close(); }

absl::Status GrpcTransport::Connect(absl::Duration timeout) {
  connections_.clear();
  for (int i = 0; i < options_.connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(kChannelIndexArg, i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    args.SetMaxReceiveMessageSize(kMaxResponseBytes);
    args.SetUserAgentPrefix("weir-loadgen");
    Connection c;
    c.channel =
        grpc::CreateCustomChannel(options_.endpoint, grpc::InsecureChannelCredentials(), args);
    if (c.channel == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot create a gRPC channel to ", options_.endpoint));
    }
    c.stub = std::make_unique<ByteStub>(c.channel);
    connections_.push_back(std::move(c));
  }
  const auto deadline = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
  for (Connection& c : connections_) {
    if (!c.channel->WaitForConnected(deadline)) {
      return absl::UnavailableError(absl::StrCat("cannot connect to ", options_.endpoint,
                                                 " (gRPC) within ", absl::FormatDuration(timeout)));
    }
  }
  return absl::OkStatus();
}

void GrpcTransport::Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) {
  Connection& connection = connections_[static_cast<size_t>(lane / options_.inflight)];
  auto* call = new Call;
  call->payload = std::move(payload);
  call->channel = connection.channel.get();
  call->done = std::move(done);
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoNanoseconds(options_.timeout));
  for (const auto& [name, value] : options_.metadata) call->context.AddMetadata(name, value);
  const std::string& body = call->payload->body;
  if (options_.gzip) {
    // Sets grpc-encoding: gzip on the call; the message below is already compressed.
    call->context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    call->request = net::GzipCompressedByteBufferView(body);
  } else {
    // The payload outlives the call, so gRPC may reference its bytes without copying them.
    grpc::Slice slice(body.data(), body.size(), grpc::Slice::STATIC_SLICE);
    call->request = grpc::ByteBuffer(&slice, 1);
  }
  connection.stub->UnaryCall(&call->context, method_, grpc::StubOptions(), &call->request,
                             &call->response, [this, call](grpc::Status status) {
                               SendResult result = Classify(status, call->response, *call->channel);
                               boost::asio::post(io_, [call, result = std::move(result)]() mutable {
                                 SendCallback done = std::move(call->done);
                                 delete call;
                                 done(std::move(result));
                               });
                             });
}

SendResult GrpcTransport::Classify(const grpc::Status& status, const grpc::ByteBuffer& response,
                                   grpc::Channel& channel) {
  SendResult result;
  if (status.ok()) {
    result.outcome = Outcome::kAcked;
    result.rejected_spans = RejectedSpans(response);
    return result;
  }
  result.error = DescribeStatus(status);
  const grpc::StatusCode code = status.error_code();
  if (code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    if (channel.GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_READY) {
      result.outcome = Outcome::kRefused;
    } else {
      result.outcome = Outcome::kFailed;
      result.connection_error = true;
    }
    return result;
  }
  result.outcome = Outcome::kFailed;
  return result;
}

void GrpcTransport::Close() { connections_.clear(); }

}  // namespace weir::loadgen
