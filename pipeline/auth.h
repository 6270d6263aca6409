// Authentication between weir and its clients and backends: the interfaces that authenticator
// extensions (bearertokenauth, basicauth) implement and that receivers and exporters use, as
// otelcol's extensionauth.Server and extensionauth.Client.
//
// A receiver whose protocol has `auth: {authenticator: <id>}` finds the extension through its
// Host at Start (FindServerAuthenticator) and asks it about every request before it reads the
// payload; an exporter with `auth` asks for the header to send with every request
// (FindClientAuthenticator). Config time has already checked that the id names an enabled
// extension that can play the role (pipeline/service/service_config.cc), so the lookups fail
// only when a component is started outside the service (tests).
//
// Threading: Authenticate and RequestHeader are called concurrently from receiver and exporter
// threads between the extension's Start and Shutdown; implementations are thread-safe and never
// block on I/O.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/blocks.h"
#include "pipeline/component.h"

namespace weir::pipeline {

// A request's header field (HTTP) or metadata entry (gRPC) by lower-case name: its first value,
// or nullopt when the request has none.
using HeaderLookup = absl::FunctionRef<std::optional<absl::string_view>(absl::string_view)>;

class ServerAuthenticator {
 public:
  virtual ~ServerAuthenticator() = default;
  // OK when the request's credentials are valid. Otherwise Unauthenticated with a reason fit
  // for a log line and for the client (it never contains the expected or presented secret),
  // or ResourceExhausted when the credentials cannot be checked now (receivers answer it as
  // retryable: RESOURCE_EXHAUSTED with RetryInfo / 429 with Retry-After).
  virtual absl::Status Authenticate(HeaderLookup header) const = 0;
  // The WWW-Authenticate value an HTTP 401 carries, e.g. `Bearer realm="weir"`.
  virtual std::string Challenge() const = 0;
};

class ClientAuthenticator {
 public:
  virtual ~ClientAuthenticator() = default;
  // The header to send with the next request: {name, value}, the name as configured (callers
  // lower-case it for gRPC metadata). Asked again for every request, so rotated credentials
  // take effect at once.
  virtual std::pair<std::string, std::string> RequestHeader() const = 0;
};

// Which roles an authenticator extension's config can play.
struct AuthRoles {
  bool server = false;  // can guard a receiver
  bool client = false;  // can sign an exporter's requests
};

// One `auth` block of a receiver or exporter config, for the config-time check.
struct AuthReference {
  config::AuthConfig auth;
  bool server = true;  // true: a receiver protocol (server side); false: an exporter (client)
};

// The server authenticator extension `id` of `host`. NotFound when no such extension runs,
// InvalidArgument when it is not a server authenticator.
absl::StatusOr<const ServerAuthenticator*> FindServerAuthenticator(Host& host,
                                                                   absl::string_view id);
// The client authenticator extension `id` of `host`; errors as FindServerAuthenticator.
absl::StatusOr<const ClientAuthenticator*> FindClientAuthenticator(Host& host,
                                                                   absl::string_view id);

// The client authenticator an exporter's `auth` block names; nullptr when it has none. Errors
// as FindClientAuthenticator, their message prefixed with the key ("auth.authenticator: ").
absl::StatusOr<const ClientAuthenticator*> FindExporterAuthenticator(
    Host& host, const std::optional<config::AuthConfig>& auth);

// Compares two byte strings in time that depends only on their lengths, not on where they
// differ (for secrets).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace weir::pipeline
