#include "receivers/jaeger/http_handler.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/clock.h"
#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/net/compression.h"
#include "receivers/helper/delivery.h"
#include "receivers/helper/http_auth.h"
#include "receivers/helper/http_request.h"
#include "receivers/jaeger/delivery.h"

namespace weir::receivers::jaeger {

namespace http = boost::beast::http;
using net::HttpRequest;
using net::HttpResponse;

namespace {

constexpr char kPath[] = "/api/traces";

HttpResponse Text(const HttpRequest& request, http::status status, absl::string_view text) {
  return net::MakeHttpResponse(request, status, "text/plain", absl::StrCat(text, "\n"));
}

HttpResponse RetryLater(const HttpRequest& request, const absl::Status& s) {
  const bool exhausted = absl::IsResourceExhausted(s);
  auto r =
      Text(request, exhausted ? http::status::too_many_requests : http::status::service_unavailable,
           s.message());
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
  if (target.substr(0, target.find('?')) != kPath) {
    return Text(request, http::status::not_found,
                "404 page not found; Jaeger Thrift batches go to POST /api/traces");
  }
  if (request.method() != http::verb::post) {
    auto r = Text(request, http::status::method_not_allowed,
                  "405 method not allowed, supported: [POST]");
    r.set(http::field::allow, "POST");
    return r;
  }
  const std::string media = helper::MediaType(absl::string_view(
      request[http::field::content_type].data(), request[http::field::content_type].size()));
  if (media != "application/x-thrift" && media != "application/vnd.apache.thrift.binary") {
    bad_request_log_.Warn(kComponent, "thrift_http: unsupported content type \"%s\"", media);
    return Text(request, http::status::unsupported_media_type,
                absl::StrCat("415 unsupported media type \"", media,
                             "\", supported: [application/x-thrift, "
                             "application/vnd.apache.thrift.binary]"));
  }
  // The server charged the body to the memory budget; only what inflating adds is admitted.
  std::string& body = request.body();
  std::string inflated;
  bool compressed = false;
  const std::string encoding =
      absl::AsciiStrToLower(std::string(request[http::field::content_encoding]));
  if (encoding == "gzip" || encoding == "deflate") {
    auto out = net::Gunzip(body, static_cast<size_t>(config_.max_request_body_size));
    if (!out.ok()) {
      const bool too_big = absl::IsResourceExhausted(out.status());
      bad_request_log_.Warn(kComponent, "thrift_http: bad compressed body: %s",
                            out.status().message());
      return Text(request, too_big ? http::status::payload_too_large : http::status::bad_request,
                  out.status().message());
    }
    inflated = std::move(*out);
    compressed = true;
    if (absl::Status s = helper::AdmitRequest(inflated.size(), metrics_, kComponent); !s.ok()) {
      return RetryLater(request, s);
    }
  } else if (!encoding.empty() && encoding != "identity") {
    return Text(request, http::status::bad_request,
                absl::StrCat("unsupported Content-Encoding \"", encoding,
                             "\", supported: gzip, deflate, identity"));
  }
  const std::string& payload = compressed ? inflated : body;
  absl::StatusOr<weir::jaeger::thrift::Batch> decoded = weir::jaeger::DecodeBatch(payload);
  if (!decoded.ok() && absl::IsResourceExhausted(decoded.status())) {
    metrics_.RefusedRequest();
    return RetryLater(request, decoded.status());
  }
  if (!decoded.ok()) {
    metrics_.RefusedRequest();
    bad_request_log_.Warn(kComponent, "thrift_http: refused a malformed batch from %s: %s",
                          client_address, decoded.status().message());
    return Text(request, http::status::bad_request,
                absl::StrCat("cannot read the Thrift Batch: ", decoded.status().message()));
  }
  google::protobuf::Arena arena(ModelArenaOptions(payload.size()));
  auto* batch = google::protobuf::Arena::CreateMessage<weir::jaeger::model::Batch>(&arena);
  weir::jaeger::ThriftToModel(*std::move(decoded), batch);
  helper::Outcome outcome = DeliverBatch(context, std::move(*batch), next_, metrics_);
  const absl::Status& s = outcome.status;
  if (!s.ok()) {
    if (absl::IsInvalidArgument(s)) {
      bad_request_log_.Warn(kComponent, "thrift_http: refused a batch from %s: %s", client_address,
                            s.message());
      return Text(request, http::status::bad_request, s.message());
    }
    if (!pipeline::IsRetryable(s)) {
      return Text(request, http::status::internal_server_error, s.message());
    }
    return RetryLater(request, s);
  }
  return net::MakeHttpResponse(request, http::status::accepted, "text/plain", "");
}

}  // namespace weir::receivers::jaeger
