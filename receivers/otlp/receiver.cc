#include "receivers/otlp/receiver.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "pipeline/clock.h"
#include "pipeline/net/compression.h"
#include "pipeline/net/io_pool.h"
#include "pipeline/net/server_tls.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/rpc_status.h"
#include "receivers/otlp/span_checks.h"

namespace weir::receivers::otlp {

namespace http = boost::beast::http;
using net::HttpRequest;
using net::HttpResponse;
using pipeline::TraceBatch;

namespace {

constexpr char kComponent[] = "receiver/otlp";

// How long clients are told to wait before retrying a refused export.
constexpr absl::Duration kRetryAfter = absl::Seconds(1);

// The result of handing one decoded request to the pipeline.
struct Outcome {
  absl::Status status;  // OK, or the pipeline's refusal
  size_t rejected = 0;  // spans dropped as invalid (partial success)
  std::string reject_reason;
};

Outcome Deliver(TraceBatch batch, pipeline::TracesConsumer& next,
                telemetry::ReceiverMetrics& metrics, int64_t received_at_ns) {
  Outcome out;
  batch.set_received_at_ns(received_at_ns);
  out.rejected = RemoveInvalidSpans(batch, &out.reject_reason);
  if (out.rejected > 0) metrics.Refused(out.rejected);
  size_t spans = batch.span_count();
  if (spans == 0) return out;
  out.status = next.ConsumeTraces(std::move(batch));
  if (out.status.ok())
    metrics.Accepted(spans);
  else
    metrics.Refused(spans);
  return out;
}

weir::otlp::ExportResponse MakeResponse(const Outcome& o) {
  weir::otlp::ExportResponse response;
  if (o.rejected > 0) {
    response.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(o.rejected));
    response.mutable_partial_success()->set_error_message(o.reject_reason);
  }
  return response;
}

// Server credentials from the receiver's `tls` block; client certificates are required and
// verified when client_ca_file is set.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcTlsCredentials(
    const config::TlsServerConfig& tls) {
  grpc::SslServerCredentialsOptions options;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!config::ReadWholeFile(tls.key_file, &pair.private_key) ||
      !config::ReadWholeFile(tls.cert_file, &pair.cert_chain)) {
    return absl::InvalidArgumentError("grpc: cannot read tls.cert_file or tls.key_file");
  }
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    if (!config::ReadWholeFile(tls.client_ca_file, &options.pem_root_certs)) {
      return absl::InvalidArgumentError("grpc: cannot read tls.client_ca_file");
    }
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace

// gRPC TraceService/Export on raw bytes, so the request is decoded once, by TraceBatch.
// gRPC TraceService/Export on raw bytes, so the request is decoded once, by TraceBatch. Served
// with the asynchronous completion-queue API: the receiver's own threads poll the queues and
// handle each request where it arrives, with no hand-off to another thread.
class GrpcService final
    : public opentelemetry::proto::collector::trace::v1::TraceService::WithRawMethod_Export<
          opentelemetry::proto::collector::trace::v1::TraceService::Service> {
 public:
  GrpcService(pipeline::TracesConsumer& next, telemetry::ReceiverMetrics& metrics,
              log::RateLimited& bad_log)
      : next_(next), metrics_(metrics), bad_log_(bad_log) {}

  // Handles one request: fills *response and returns the status to finish the call with.
  grpc::Status Handle(grpc::ServerContext& context, const grpc::ByteBuffer& request,
                      grpc::ByteBuffer* response) {
    int64_t received_at_ns = pipeline::SteadyNowNs();
    std::vector<grpc::Slice> slices;
    if (!request.Dump(&slices).ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "cannot read request");
    }
    std::vector<absl::string_view> views;
    views.reserve(slices.size());
    for (const grpc::Slice& s : slices)
      views.emplace_back(reinterpret_cast<const char*>(s.begin()), s.size());
    absl::StatusOr<TraceBatch> batch = TraceBatch::FromProtoSlices(views);
    if (!batch.ok()) {
      bad_log_.Warn(kComponent, "grpc: refused a malformed request from %s: %s", context.peer(),
                    batch.status().message());
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(batch.status().message()));
    }
    Outcome outcome = Deliver(std::move(*batch), next_, metrics_, received_at_ns);
    if (!outcome.status.ok()) return ToGrpcStatus(outcome.status);
    std::string bytes = MakeResponse(outcome).SerializeAsString();
    grpc::Slice slice(bytes);
    *response = grpc::ByteBuffer(&slice, 1);
    return grpc::Status::OK;
  }

 private:
  static grpc::Status ToGrpcStatus(const absl::Status& s) {
    std::string message(s.message());
    if (absl::IsInvalidArgument(s)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
    }
    if (absl::IsResourceExhausted(s)) {
      // RetryInfo marks RESOURCE_EXHAUSTED as retryable for OTLP clients.
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, message,
                          weir::otlp::EncodeRpcStatusProto(weir::otlp::kRpcResourceExhausted,
                                                           message, kRetryAfter));
    }
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE, message,
        weir::otlp::EncodeRpcStatusProto(weir::otlp::kRpcUnavailable, message, kRetryAfter));
  }

  pipeline::TracesConsumer& next_;
  telemetry::ReceiverMetrics& metrics_;
  log::RateLimited& bad_log_;
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

// Calls waiting per queue: how many requests may arrive at once before one is re-armed.
constexpr int kWaitingCallsPerQueue = 8;

}  // namespace

Receiver::Receiver(const pipeline::Settings& settings, const Config& config,
                   pipeline::TracesConsumer& next)
    : id_(settings.id.ToString()),
      config_(config),
      next_(next),
      grpc_metrics_(*settings.telemetry, id_, "grpc"),
      http_metrics_(*settings.telemetry, id_, "http"),
      io_(*settings.io) {}

Receiver::~Receiver() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status Receiver::Start(pipeline::Host& host) {
  if (config_.grpc) {
    grpc_service_ = std::make_unique<GrpcService>(next_, grpc_metrics_, bad_request_log_);
    grpc::ServerBuilder builder;
    int port = 0;
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (config_.grpc->tls) {
      absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
          GrpcTlsCredentials(*config_.grpc->tls);
      if (!tls.ok()) return tls.status();
      credentials = *tls;
    }
    builder.AddListeningPort(config_.grpc->endpoint, credentials, &port);
    builder.SetMaxReceiveMessageSize(config_.grpc->max_recv_msg_size_mib * 1024 * 1024);
    if (config_.grpc->max_concurrent_streams > 0) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                                 config_.grpc->max_concurrent_streams);
    }
    builder.RegisterService(grpc_service_.get());
    int threads = std::clamp(net::UsableCpus(), 1, 8);
    for (int i = 0; i < threads; ++i) grpc_queues_.push_back(builder.AddCompletionQueue());
    grpc_server_ = builder.BuildAndStart();
    if (!grpc_server_ || port == 0) {
      grpc_server_.reset();
      for (auto& cq : grpc_queues_) {
        cq->Shutdown();
        void* tag;
        bool ok;
        while (cq->Next(&tag, &ok)) {
        }
      }
      grpc_queues_.clear();
      return absl::UnavailableError(
          absl::StrCat("grpc: cannot listen on ", config_.grpc->endpoint));
    }
    std::string host_part = config_.grpc->endpoint.substr(0, config_.grpc->endpoint.rfind(':'));
    if (host_part.empty() || host_part == "localhost") host_part = "127.0.0.1";
    grpc_address_ = absl::StrCat(host_part, ":", port);
    for (auto& cq : grpc_queues_) {
      for (int i = 0; i < kWaitingCallsPerQueue; ++i) new GrpcCall(*grpc_service_, *cq);
      grpc_threads_.emplace_back([queue = cq.get()] {
        void* tag;
        bool ok;
        while (queue->Next(&tag, &ok)) static_cast<GrpcCall*>(tag)->Proceed(ok);
      });
    }
    log::Info(kComponent, "%s: OTLP/gRPC listening on %s%s", id_, grpc_address_,
              config_.grpc->tls ? " (TLS)" : "");
  }
  if (config_.http) {
    net::HttpServerOptions options;
    options.endpoint = config_.http->endpoint;
    options.max_body_bytes = static_cast<size_t>(config_.http->max_request_body_size);
    options.name = id_ + " http";
    if (config_.http->tls) {
      absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> tls =
          net::MakeServerTlsContext(*config_.http->tls);
      if (!tls.ok()) {
        Shutdown(absl::Now());
        return tls.status();
      }
      options.tls = *tls;
    }
    http_server_ = std::make_unique<net::HttpServer>(
        io_, options, [this](HttpRequest& request) { return HandleHttp(request); });
    if (absl::Status s = http_server_->Start(); !s.ok()) {
      Shutdown(absl::Now());
      return s;
    }
    log::Info(kComponent, "%s: OTLP/HTTP listening on %s (path %s%s)", id_,
              http_server_->bound_address(), config_.http->traces_url_path,
              config_.http->tls ? ", TLS" : "");
  }
  return absl::OkStatus();
}

std::string Receiver::http_address() const {
  return http_server_ ? http_server_->bound_address() : "";
}

void Receiver::Shutdown(absl::Time deadline) {
  if (stopped_) return;
  stopped_ = true;
  if (http_server_) http_server_->Shutdown(deadline);
  if (grpc_server_) {
    // Waits for in-flight exports, so every acknowledged span is already downstream.
    grpc_server_->Shutdown(absl::ToChronoTime(deadline));
    grpc_server_->Wait();
    // Then drain the queues: the calls still there end with ok == false and delete themselves.
    for (auto& cq : grpc_queues_) cq->Shutdown();
    for (auto& t : grpc_threads_) t.join();
    grpc_threads_.clear();
    grpc_server_.reset();  // before its completion queues
    grpc_queues_.clear();
  }
}

namespace {

enum class Encoding { kProto, kJson };

HttpResponse StatusResponse(const HttpRequest& request, http::status http_status, Encoding enc,
                            int code, absl::string_view message) {
  if (enc == Encoding::kJson) {
    return net::MakeHttpResponse(request, http_status, "application/json",
                                 weir::otlp::EncodeRpcStatusJson(code, message));
  }
  return net::MakeHttpResponse(request, http_status, "application/x-protobuf",
                               weir::otlp::EncodeRpcStatusProto(code, message));
}

std::string MediaType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(media));
}

}  // namespace

HttpResponse Receiver::HandleHttp(HttpRequest& request) {
  int64_t received_at_ns = pipeline::SteadyNowNs();
  absl::string_view target(request.target().data(), request.target().size());
  absl::string_view path = target.substr(0, target.find('?'));
  if (path != config_.http->traces_url_path) {
    return net::MakeHttpResponse(request, http::status::not_found, "text/plain",
                                 absl::StrCat("404 page not found; OTLP traces go to POST ",
                                              config_.http->traces_url_path, "\n"));
  }
  if (request.method() != http::verb::post) {
    auto r = net::MakeHttpResponse(request, http::status::method_not_allowed, "text/plain",
                                   "405 method not allowed, supported: [POST]\n");
    r.set(http::field::allow, "POST");
    return r;
  }
  std::string media = MediaType(absl::string_view(request[http::field::content_type].data(),
                                                  request[http::field::content_type].size()));
  Encoding enc;
  if (media == "application/x-protobuf" || media == "application/protobuf") {
    enc = Encoding::kProto;
  } else if (media == "application/json") {
    enc = Encoding::kJson;
  } else {
    bad_request_log_.Warn(kComponent, "http: unsupported content type \"%s\"", media);
    return net::MakeHttpResponse(
        request, http::status::unsupported_media_type, "text/plain",
        absl::StrCat("415 unsupported media type \"", media,
                     "\", supported: [application/json, application/x-protobuf]\n"));
  }

  std::string& body = request.body();
  std::string inflated;
  std::string encoding = absl::AsciiStrToLower(std::string(request[http::field::content_encoding]));
  if (encoding == "gzip" || encoding == "deflate") {
    auto out = net::Gunzip(body, static_cast<size_t>(config_.http->max_request_body_size));
    if (!out.ok()) {
      bool too_big = absl::IsResourceExhausted(out.status());
      bad_request_log_.Warn(kComponent, "http: bad compressed body: %s", out.status().message());
      return StatusResponse(request,
                            too_big ? http::status::payload_too_large : http::status::bad_request,
                            enc, weir::otlp::kRpcInvalidArgument, out.status().message());
    }
    inflated = std::move(*out);
  } else if (!encoding.empty() && encoding != "identity") {
    return StatusResponse(request, http::status::bad_request, enc, weir::otlp::kRpcInvalidArgument,
                          absl::StrCat("unsupported Content-Encoding \"", encoding,
                                       "\", supported: gzip, deflate, identity"));
  }
  const bool compressed = encoding == "gzip" || encoding == "deflate";
  std::string& payload = compressed ? inflated : body;

  absl::StatusOr<TraceBatch> batch;
  if (enc == Encoding::kProto) {
    batch = TraceBatch::FromProtoBytes(std::move(payload));
  } else {
    // One first block about the size of the decoded request saves the arena many small ones.
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = std::max<size_t>(4096, payload.size());
    arena_options.max_block_size = std::max<size_t>(arena_options.start_block_size, 1 << 20);
    auto arena = std::make_unique<google::protobuf::Arena>(arena_options);
    auto* decoded = google::protobuf::Arena::CreateMessage<weir::otlp::ExportRequest>(arena.get());
    absl::Status s = weir::otlp::ParseRequestJson(payload, decoded);
    if (s.ok())
      batch = TraceBatch::EncodeRequest(*decoded);
    else
      batch = s;
  }
  if (!batch.ok()) {
    bad_request_log_.Warn(kComponent, "http: refused a malformed request: %s",
                          batch.status().message());
    return StatusResponse(request, http::status::bad_request, enc, weir::otlp::kRpcInvalidArgument,
                          batch.status().message());
  }

  Outcome outcome = Deliver(std::move(*batch), next_, http_metrics_, received_at_ns);
  if (!outcome.status.ok()) {
    const absl::Status& s = outcome.status;
    if (absl::IsInvalidArgument(s)) {
      return StatusResponse(request, http::status::bad_request, enc,
                            weir::otlp::kRpcInvalidArgument, s.message());
    }
    bool exhausted = absl::IsResourceExhausted(s);
    auto r = StatusResponse(
        request, exhausted ? http::status::too_many_requests : http::status::service_unavailable,
        enc, exhausted ? weir::otlp::kRpcResourceExhausted : weir::otlp::kRpcUnavailable,
        s.message());
    r.set(http::field::retry_after, std::to_string(absl::ToInt64Seconds(kRetryAfter)));
    return r;
  }
  weir::otlp::ExportResponse response = MakeResponse(outcome);
  if (enc == Encoding::kJson) {
    return net::MakeHttpResponse(request, http::status::ok, "application/json",
                                 weir::otlp::ResponseToJson(response));
  }
  return net::MakeHttpResponse(request, http::status::ok, "application/x-protobuf",
                               response.SerializeAsString());
}

}  // namespace weir::receivers::otlp
