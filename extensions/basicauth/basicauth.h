// The `basicauth` extension: HTTP Basic authentication (RFC 7617), as otelcol's
// basicauthextension.
//
//   - Server side (`htpasswd`): a request is let through when its Authorization header is
//     `Basic base64(user:password)` (scheme case-insensitive) for a user of the table whose hash
//     the password matches (htpasswd.h lists the formats). Successful credentials are
//     remembered (by their SHA-256, at most 1024 of them), so a bcrypt hash costs its
//     milliseconds once per client and not once per request. Failed ones are remembered too,
//     so repeating a wrong password costs a lookup; and at most kMaxChecks password checks run
//     at once, so a stream of wrong passwords cannot take every core: beyond that the request
//     is answered ResourceExhausted (clients retry; those already verified are not affected).
//   - Client side (`client_auth`): every request carries
//     `Authorization: Basic base64(username:password)`.
//
// Threading: Start and Shutdown from the control thread; Authenticate and RequestHeader from
// any thread, concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/base/thread_annotations.h"
#include "extensions/basicauth/config.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::extensions::basicauth {

class BasicAuth final : public pipeline::Extension,
                        public pipeline::ServerAuthenticator,
                        public pipeline::ClientAuthenticator {
 public:
  // Copies `config` (the parsed user table included).
  BasicAuth(const pipeline::Settings& settings, const Config& config);

  absl::Status Start(pipeline::Host& host) override { return absl::OkStatus(); }
  void Shutdown(absl::Time deadline) override {}

  // ServerAuthenticator: OK for valid credentials of a user in the table; Unauthenticated
  // ("missing Authorization header", "invalid authorization scheme prefix", "invalid
  // authorization format", "invalid credentials") otherwise, and always when this extension
  // is configured as a client; ResourceExhausted while kMaxChecks checks are running.
  absl::Status Authenticate(pipeline::HeaderLookup header) const override;
  // `Basic realm="weir"`.
  std::string Challenge() const override { return "Basic realm=\"weir\""; }

  // ClientAuthenticator: {"Authorization", "Basic base64(username:password)"}.
  std::pair<std::string, std::string> RequestHeader() const override;

  // Password checks that may run at once.
  static constexpr int kMaxChecks = 2;
  // Password checks running now (for tests).
  int checks_in_flight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return checks_;
  }

 private:
  static constexpr size_t kMaxRemembered = 1024;

  const Config config_;
  const std::string client_value_;  // the header value a client sends
  mutable std::mutex mu_;
  // SHA-256 of Authorization values that were verified.
  mutable absl::flat_hash_set<std::string> verified_ ABSL_GUARDED_BY(mu_);
  // SHA-256 of Authorization values that failed.
  mutable absl::flat_hash_set<std::string> failed_ ABSL_GUARDED_BY(mu_);
  mutable int checks_ ABSL_GUARDED_BY(mu_) = 0;  // password checks running
};

}  // namespace weir::extensions::basicauth
