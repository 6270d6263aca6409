#include "pipeline/auth.h"

#include "absl/strings/str_cat.h"

namespace weir::pipeline {
namespace {

template <typename Role>
absl::StatusOr<const Role*> Find(Host& host, absl::string_view id, absl::string_view role) {
  Extension* extension = host.GetExtension(id);
  if (extension == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("authenticator \"", id, "\" is not an enabled extension"));
  }
  const auto* found = dynamic_cast<const Role*>(extension);
  if (found == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("extension \"", id, "\" is not a ", role, " authenticator"));
  }
  return found;
}

}  // namespace

absl::StatusOr<const ServerAuthenticator*> FindServerAuthenticator(Host& host,
                                                                   absl::string_view id) {
  return Find<ServerAuthenticator>(host, id, "server");
}

absl::StatusOr<const ClientAuthenticator*> FindClientAuthenticator(Host& host,
                                                                   absl::string_view id) {
  return Find<ClientAuthenticator>(host, id, "client");
}

absl::StatusOr<const ClientAuthenticator*> FindExporterAuthenticator(
    Host& host, const std::optional<config::AuthConfig>& auth) {
  if (!auth) return nullptr;
  absl::StatusOr<const ClientAuthenticator*> found =
      FindClientAuthenticator(host, auth->authenticator);
  if (!found.ok()) {
    return absl::Status(found.status().code(),
                        absl::StrCat("auth.authenticator: ", found.status().message()));
  }
  return found;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Every byte of the longer string is visited whatever the contents; the lengths are not
  // secret enough to hide (a token's length is usually public).
  const size_t n = a.size() > b.size() ? a.size() : b.size();
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | (x ^ y);
  }
  return diff == 0;
}

}  // namespace weir::pipeline
