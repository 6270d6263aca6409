#include "receivers/otlp/http_handler.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/clock.h"
#include "pipeline/consumer.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/rpc_status.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/trace_batch.h"
#include "receivers/helper/delivery.h"
#include "receivers/helper/http_auth.h"
#include "receivers/helper/http_request.h"

namespace weir::receivers::otlp {

namespace http = boost::beast::http;
using net::HttpRequest;
using net::HttpResponse;
using pipeline::TraceBatch;

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

// The answer to a refusal worth retrying: 429 (ResourceExhausted) or 503, with Retry-After.
HttpResponse RetryLaterResponse(const HttpRequest& request, Encoding enc, const absl::Status& s) {
  bool exhausted = absl::IsResourceExhausted(s);
  auto r = StatusResponse(
      request, exhausted ? http::status::too_many_requests : http::status::service_unavailable, enc,
      exhausted ? weir::otlp::kRpcResourceExhausted : weir::otlp::kRpcUnavailable, s.message());
  r.set(http::field::retry_after, std::to_string(absl::ToInt64Seconds(helper::kRetryAfter)));
  return r;
}

}  // namespace

std::optional<HttpResponse> HttpHandler::CheckCredentials(const http::request_header<>& header,
                                                          absl::string_view client_address) {
  return helper::CheckHttpCredentials(auth_, header, client_address, metrics_, auth_log_,
                                      kComponent);
}

HttpResponse HttpHandler::Handle(HttpRequest& request, absl::string_view client_address) {
  pipeline::RequestContext context =
      helper::HttpRequestContext(request, client_address, config_.include_metadata);
  absl::string_view target(request.target().data(), request.target().size());
  absl::string_view path = target.substr(0, target.find('?'));
  if (path != config_.traces_url_path) {
    return net::MakeHttpResponse(
        request, http::status::not_found, "text/plain",
        absl::StrCat("404 page not found; OTLP traces go to POST ", config_.traces_url_path, "\n"));
  }
  if (request.method() != http::verb::post) {
    auto r = net::MakeHttpResponse(request, http::status::method_not_allowed, "text/plain",
                                   "405 method not allowed, supported: [POST]\n");
    r.set(http::field::allow, "POST");
    return r;
  }
  std::string media = helper::MediaType(absl::string_view(
      request[http::field::content_type].data(), request[http::field::content_type].size()));
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

  // The server charged the body to the memory budget while reading it (over budget it
  // answered 429 before the handler ran); only what inflating adds is admitted here.
  std::string& body = request.body();
  std::string inflated;
  std::string encoding = absl::AsciiStrToLower(std::string(request[http::field::content_encoding]));
  if (encoding == "gzip" || encoding == "deflate") {
    auto out = net::Gunzip(body, static_cast<size_t>(config_.max_request_body_size));
    if (!out.ok()) {
      bool too_big = absl::IsResourceExhausted(out.status());
      bad_request_log_.Warn(kComponent, "http: bad compressed body: %s", out.status().message());
      return StatusResponse(request,
                            too_big ? http::status::payload_too_large : http::status::bad_request,
                            enc, weir::otlp::kRpcInvalidArgument, out.status().message());
    }
    inflated = std::move(*out);
    if (absl::Status s = helper::AdmitRequest(inflated.size(), metrics_, kComponent); !s.ok()) {
      return RetryLaterResponse(request, enc, s);
    }
  } else if (!encoding.empty() && encoding != "identity") {
    return StatusResponse(request, http::status::bad_request, enc, weir::otlp::kRpcInvalidArgument,
                          absl::StrCat("unsupported Content-Encoding \"", encoding,
                                       "\", supported: gzip, deflate, identity"));
  }
  const bool compressed = encoding == "gzip" || encoding == "deflate";
  std::string& payload = compressed ? inflated : body;

  absl::StatusOr<TraceBatch> batch;
  if (enc == Encoding::kProto) {
    const size_t span_limit = helper::SpanLimit();
    batch = TraceBatch::FromProtoBytes(std::move(payload), span_limit);
    if (!batch.ok() && absl::IsResourceExhausted(batch.status())) {
      absl::Status refusal = helper::ScanRefusal(batch.status(), span_limit, kComponent);
      bad_request_log_.Warn(kComponent, "http: refused a request: %s", refusal.message());
      if (absl::IsResourceExhausted(refusal)) return RetryLaterResponse(request, enc, refusal);
      return StatusResponse(request, http::status::bad_request, enc,
                            weir::otlp::kRpcInvalidArgument, refusal.message());
    }
  } else {
    // One first block about the size of the decoded request saves the arena many small ones.
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = std::max<size_t>(4096, payload.size());
    arena_options.max_block_size = std::max<size_t>(arena_options.start_block_size, 1 << 20);
    auto arena = std::make_unique<google::protobuf::Arena>(arena_options);
    auto* decoded = google::protobuf::Arena::CreateMessage<weir::otlp::ExportRequest>(arena.get());
    // The DOM is charged to the memory budget, and the charge stands for the decoded messages
    // (about as large) until they are encoded.
    pipeline::MemoryCharge charge = pipeline::MemoryBudget::Process().Charge(0);
    absl::Status s = weir::otlp::ParseRequestJson(
        payload, decoded, [&](size_t bytes) { return charge.TryGrow(bytes); });
    if (s.ok())
      batch = TraceBatch::EncodeRequest(*decoded);
    else
      batch = absl::IsResourceExhausted(s) ? pipeline::OverBudget(kComponent) : s;
  }
  if (!batch.ok() && pipeline::IsOverBudget(batch.status())) {
    metrics_.RefusedRequest();
    return RetryLaterResponse(request, enc, batch.status());
  }
  if (!batch.ok()) {
    metrics_.Refused(weir::otlp::wire::RefusedSpans(batch.status()));
    bad_request_log_.Warn(kComponent, "http: refused a malformed request: %s",
                          batch.status().message());
    return StatusResponse(request, http::status::bad_request, enc, weir::otlp::kRpcInvalidArgument,
                          batch.status().message());
  }

  helper::Outcome outcome = helper::DeliverRequest(context, std::move(*batch), next_, metrics_);
  if (!outcome.status.ok()) {
    const absl::Status& s = outcome.status;
    if (absl::IsInvalidArgument(s)) {
      return StatusResponse(request, http::status::bad_request, enc,
                            weir::otlp::kRpcInvalidArgument, s.message());
    }
    if (!pipeline::IsRetryable(s)) {  // permanent: 500, which OTLP clients do not retry
      return StatusResponse(request, http::status::internal_server_error, enc,
                            weir::otlp::kRpcInternal, s.message());
    }
    return RetryLaterResponse(request, enc, s);
  }
  weir::otlp::ExportResponse response = helper::MakeExportResponse(outcome);
  if (enc == Encoding::kJson) {
    return net::MakeHttpResponse(request, http::status::ok, "application/json",
                                 weir::otlp::ResponseToJson(response));
  }
  return net::MakeHttpResponse(request, http::status::ok, "application/x-protobuf",
                               response.SerializeAsString());
}

}  // namespace weir::receivers::otlp
