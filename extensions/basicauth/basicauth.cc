#include "extensions/basicauth/basicauth.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace weir::extensions::basicauth {
namespace {

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

BasicAuth::BasicAuth(const pipeline::Settings& settings, const Config& config)
    : config_(config),
      client_value_(config.client_auth
                        ? absl::StrCat("Basic ", absl::Base64Escape(
                                                     absl::StrCat(config.client_auth->username, ":",
                                                                  config.client_auth->password)))
                        : "") {}

absl::Status BasicAuth::Authenticate(pipeline::HeaderLookup header) const {
  std::optional<absl::string_view> value = header("authorization");
  if (!value || value->empty()) return absl::UnauthenticatedError("missing Authorization header");
  constexpr absl::string_view kPrefix = "basic ";
  if (value->size() < kPrefix.size() ||
      !absl::EqualsIgnoreCase(value->substr(0, kPrefix.size()), kPrefix)) {
    return absl::UnauthenticatedError("invalid authorization scheme prefix");
  }
  if (!config_.htpasswd) return absl::UnauthenticatedError("invalid credentials");
  const std::string key = Sha256(*value);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (verified_.contains(key)) return absl::OkStatus();
    if (failed_.contains(key)) return absl::UnauthenticatedError("invalid credentials");
  }
  std::string decoded;
  if (!absl::Base64Unescape(value->substr(kPrefix.size()), &decoded)) {
    return absl::UnauthenticatedError("invalid authorization format");
  }
  size_t colon = decoded.find(':');
  if (colon == std::string::npos) return absl::UnauthenticatedError("invalid authorization format");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (checks_ >= kMaxChecks) {
      return absl::ResourceExhaustedError("too many password checks in progress; retry later");
    }
    ++checks_;
  }
  const bool ok = config_.users.Verify(absl::string_view(decoded).substr(0, colon),
                                       absl::string_view(decoded).substr(colon + 1));
  std::lock_guard<std::mutex> lock(mu_);
  --checks_;
  absl::flat_hash_set<std::string>& remembered = ok ? verified_ : failed_;
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.insert(key);
  if (!ok) return absl::UnauthenticatedError("invalid credentials");
  return absl::OkStatus();
}

std::pair<std::string, std::string> BasicAuth::RequestHeader() const {
  return {"Authorization", client_value_};
}

}  // namespace weir::extensions::basicauth
