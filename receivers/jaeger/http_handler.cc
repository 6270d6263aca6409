#include "receivers/jaeger/http_handler.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/clock.h"
#include "pipeline/jaeger/thrift_view.h"
#include "receivers/helper/delivery.h"
#include "receivers/helper/http_auth.h"
#include "receivers/helper/http_body.h"
#include "receivers/helper/http_request.h"
#include "receivers/jaeger/delivery.h"

namespace weir::receivers::jaeger {

namespace http = boost::beast::http;
using net::HttpRequest;
using net::HttpResponse;

namespace {

constexpr char kPath[] = "/api/traces";

using helper::RetryLaterAnswer;
using helper::TextAnswer;

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
    return TextAnswer(request, http::status::not_found,
                      "404 page not found; Jaeger Thrift batches go to POST /api/traces");
  }
  if (request.method() != http::verb::post) {
    auto r = TextAnswer(request, http::status::method_not_allowed,
                        "405 method not allowed, supported: [POST]");
    r.set(http::field::allow, "POST");
    return r;
  }
  const std::string media = helper::MediaType(absl::string_view(
      request[http::field::content_type].data(), request[http::field::content_type].size()));
  if (media != "application/x-thrift" && media != "application/vnd.apache.thrift.binary") {
    bad_request_log_.Warn(kComponent, "thrift_http: unsupported content type \"%s\"", media);
    return TextAnswer(request, http::status::unsupported_media_type,
                      absl::StrCat("415 unsupported media type \"", media,
                                   "\", supported: [application/x-thrift, "
                                   "application/vnd.apache.thrift.binary]"));
  }
  std::string inflated;
  std::string* payload = nullptr;
  if (auto refusal =
          helper::DecodedBody(request, static_cast<size_t>(config_.max_request_body_size), metrics_,
                              bad_request_log_, kComponent, "thrift_http", &inflated, &payload)) {
    return *std::move(refusal);
  }
  weir::jaeger::thrift_view::Batch batch;
  absl::Status read = weir::jaeger::thrift_view::ReadBatch(*payload, &batch);
  if (absl::IsResourceExhausted(read)) {
    metrics_.RefusedRequest();
    return RetryLaterAnswer(request, read);
  }
  if (!read.ok()) {
    metrics_.RefusedRequest();
    bad_request_log_.Warn(kComponent, "thrift_http: refused a malformed batch from %s: %s",
                          client_address, read.message());
    return TextAnswer(request, http::status::bad_request,
                      absl::StrCat("cannot read the Thrift Batch: ", read.message()));
  }
  helper::Outcome outcome = DeliverThriftBatch(context, batch, next_, metrics_);
  return helper::DeliveryAnswer(request, outcome.status, bad_request_log_, kComponent,
                                "thrift_http", client_address);
}

}  // namespace weir::receivers::jaeger
