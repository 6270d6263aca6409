#include "receivers/helper/http_body.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/consumer.h"
#include "pipeline/memory_budget.h"
#include "pipeline/net/compression.h"
#include "pipeline/net/tls.h"
#include "receivers/helper/delivery.h"

namespace weir::receivers::helper {

namespace http = boost::beast::http;

net::HttpResponse TextAnswer(const net::HttpRequest& request, http::status status,
                             absl::string_view text) {
  return net::MakeHttpResponse(request, status, "text/plain", absl::StrCat(text, "\n"));
}

net::HttpResponse RetryLaterAnswer(const net::HttpRequest& request, const absl::Status& s) {
  auto r = TextAnswer(request,
                      absl::IsResourceExhausted(s) ? http::status::too_many_requests
                                                   : http::status::service_unavailable,
                      s.message());
  r.set(http::field::retry_after, std::to_string(absl::ToInt64Seconds(kRetryAfter)));
  return r;
}

net::HttpResponse DeliveryAnswer(const net::HttpRequest& request, const absl::Status& s,
                                 log::RateLimited& log, const char* component,
                                 absl::string_view what, absl::string_view client) {
  if (s.ok()) return net::MakeHttpResponse(request, http::status::accepted, "text/plain", "");
  if (absl::IsInvalidArgument(s)) {
    log.Warn(component, "%s: refused a batch from %s: %s", what, client, s.message());
    return TextAnswer(request, http::status::bad_request, s.message());
  }
  if (!pipeline::IsRetryable(s)) {
    return TextAnswer(request, http::status::internal_server_error, s.message());
  }
  return RetryLaterAnswer(request, s);
}

std::optional<net::HttpResponse> DecodedBody(net::HttpRequest& request, size_t max_bytes,
                                             telemetry::ReceiverMetrics& metrics,
                                             log::RateLimited& log, const char* component,
                                             absl::string_view what, std::string* inflated,
                                             std::string** payload) {
  *payload = &request.body();
  const std::string encoding =
      absl::AsciiStrToLower(std::string(request[http::field::content_encoding]));
  if (encoding.empty() || encoding == "identity") return std::nullopt;
  if (encoding != "gzip" && encoding != "deflate") {
    return TextAnswer(request, http::status::bad_request,
                      absl::StrCat("unsupported Content-Encoding \"", encoding,
                                   "\", supported: gzip, deflate, identity"));
  }
  auto out = net::Gunzip(request.body(), max_bytes);
  if (!out.ok()) {
    const bool too_big = absl::IsResourceExhausted(out.status());
    log.Warn(component, "%s: bad compressed body: %s", what, out.status().message());
    return TextAnswer(request,
                      too_big ? http::status::payload_too_large : http::status::bad_request,
                      out.status().message());
  }
  *inflated = std::move(*out);
  *payload = inflated;
  if (absl::Status s = AdmitRequest(inflated->size(), metrics, component); !s.ok()) {
    return RetryLaterAnswer(request, s);
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<net::HttpServer>> StartHttpServer(
    boost::asio::io_context& io, net::HttpServerOptions options,
    const std::optional<config::TlsServerConfig>& tls, net::HttpPeerHandler handler) {
  options.budget = &pipeline::MemoryBudget::Process();
  if (tls) {
    auto context = net::MakeServerTlsContext(*tls);
    if (!context.ok()) return context.status();
    options.tls = *context;
  }
  auto server = std::make_unique<net::HttpServer>(io, std::move(options), std::move(handler));
  if (absl::Status s = server->Start(); !s.ok()) return s;
  return server;
}

}  // namespace weir::receivers::helper
