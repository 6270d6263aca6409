// What the HTTP handlers of the receivers that answer in plain text (jaeger's thrift_http,
// zipkin) share: the text answers, the retry-later answer, the request body after its
// Content-Encoding, and starting the HTTP server with the memory budget and TLS.
//
// Threading: the functions are stateless and may be called from any I/O thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/blocks.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::receivers::helper {

// `status` with `text` and a newline as text/plain.
net::HttpResponse TextAnswer(const net::HttpRequest& request, boost::beast::http::status status,
                             absl::string_view text);

// 429 (for ResourceExhausted) or 503 (anything else) with `s`'s message and Retry-After
// kRetryAfter: the answer to a refusal worth retrying.
net::HttpResponse RetryLaterAnswer(const net::HttpRequest& request, const absl::Status& s);

// The answer to a delivery's outcome: 202 Accepted (as Jaeger's and Zipkin's servers answer)
// when `s` is OK; 400 for InvalidArgument (warned about, naming `client`), the retry-later
// answer for a retryable refusal, 500 for a permanent failure downstream.
net::HttpResponse DeliveryAnswer(const net::HttpRequest& request, const absl::Status& s,
                                 log::RateLimited& log, const char* component,
                                 absl::string_view what, absl::string_view client);

// The request's body after its Content-Encoding: identity (or none), gzip or deflate (zlib).
// *payload points at the request's body or at *inflated (which a decoder may parse in place). An
// inflated body may grow to `max_bytes`; what it adds is admitted against the memory budget (the
// server charged the body itself). Returns the answer instead when the body cannot be used: 400 for
// an unknown encoding or corrupt data, 413 beyond `max_bytes`, 429 when the budget refuses; `what`
// ("thrift_http", "zipkin") prefixes the rate-limited warning.
std::optional<net::HttpResponse> DecodedBody(net::HttpRequest& request, size_t max_bytes,
                                             telemetry::ReceiverMetrics& metrics,
                                             log::RateLimited& log, const char* component,
                                             absl::string_view what, std::string* inflated,
                                             std::string** payload);

// Starts an HTTP server with `options` (endpoint, name, limits, header check) and `tls`,
// charging request bodies to the process memory budget. Errors: the TLS files or the listen.
absl::StatusOr<std::unique_ptr<net::HttpServer>> StartHttpServer(
    boost::asio::io_context& io, net::HttpServerOptions options,
    const std::optional<config::TlsServerConfig>& tls, net::HttpPeerHandler handler);

}  // namespace weir::receivers::helper
