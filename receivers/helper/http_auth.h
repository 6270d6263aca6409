// Finding a protocol's authenticator, and checking an HTTP request's credentials on its header
// alone (the server asks before it reads the body); shared by the receivers.
//
// Threading: stateless.
#pragma once

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "boost/beast/http.hpp"
#include "config/blocks.h"
#include "pipeline/auth.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::receivers::helper {

// The server authenticator `auth` names (nullptr without an auth block), looked up in `host`.
// An error names `key` (e.g. "protocols.grpc.auth.authenticator").
absl::StatusOr<const pipeline::ServerAuthenticator*> FindAuthenticator(
    pipeline::Host& host, const std::optional<config::AuthConfig>& auth, absl::string_view key);

// nullopt when `auth` is null or accepts the header. Otherwise the answer: 429 with
// Retry-After when the credentials cannot be checked now; 401 with WWW-Authenticate (counted
// as unauthenticated, logged rate-limited under `component`) when they are wrong. Both close
// the connection.
std::optional<net::HttpResponse> CheckHttpCredentials(
    const pipeline::ServerAuthenticator* auth, const boost::beast::http::request_header<>& header,
    absl::string_view client_address, telemetry::ReceiverMetrics& metrics,
    log::RateLimited& auth_log, absl::string_view component);

}  // namespace weir::receivers::helper
