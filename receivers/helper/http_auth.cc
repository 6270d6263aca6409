#include "receivers/helper/http_auth.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "receivers/helper/delivery.h"

namespace weir::receivers::helper {

namespace http = boost::beast::http;

absl::StatusOr<const pipeline::ServerAuthenticator*> FindAuthenticator(
    pipeline::Host& host, const std::optional<config::AuthConfig>& auth, absl::string_view key) {
  if (!auth) return nullptr;
  auto found = pipeline::FindServerAuthenticator(host, auth->authenticator);
  if (!found.ok()) {
    return absl::Status(found.status().code(), absl::StrCat(key, ": ", found.status().message()));
  }
  return *found;
}

std::optional<net::HttpResponse> CheckHttpCredentials(const pipeline::ServerAuthenticator* auth,
                                                      const http::request_header<>& header,
                                                      absl::string_view client_address,
                                                      telemetry::ReceiverMetrics& metrics,
                                                      log::RateLimited& auth_log,
                                                      absl::string_view component) {
  if (auth == nullptr) return std::nullopt;
  absl::Status s =
      auth->Authenticate([&header](absl::string_view name) -> std::optional<absl::string_view> {
        auto it = header.find(boost::beast::string_view(name.data(), name.size()));
        if (it == header.end()) return std::nullopt;
        return absl::string_view(it->value().data(), it->value().size());
      });
  if (s.ok()) return std::nullopt;
  if (absl::IsResourceExhausted(s)) {
    net::HttpResponse r(http::status::too_many_requests, header.version());
    r.set(http::field::content_type, "text/plain");
    r.set(http::field::retry_after, std::to_string(absl::ToInt64Seconds(kRetryAfter)));
    r.body() = absl::StrCat("429 too many requests: ", s.message(), "\n");
    r.keep_alive(false);
    return r;
  }
  metrics.Unauthenticated();
  auth_log.Warn(component, "http: refused an unauthenticated request from %s: %s", client_address,
                s.message());
  net::HttpResponse r(http::status::unauthorized, header.version());
  r.set(http::field::content_type, "text/plain");
  r.set(http::field::www_authenticate, auth->Challenge());
  r.body() = absl::StrCat("401 unauthorized: ", s.message(), "\n");
  r.keep_alive(false);  // the server closes after a refusal it was told about early
  return r;
}

}  // namespace weir::receivers::helper
