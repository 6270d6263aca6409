#include "extensions/basicauth/htpasswd.h"

#include <crypt.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "pipeline/auth.h"

namespace weir::extensions::basicauth {
namespace {

enum class Format { kCrypt, kSha, kSsha, kPlain };

Format FormatOf(absl::string_view hash) {
  for (absl::string_view prefix : {"$2a$", "$2b$", "$2y$", "$5$", "$6$", "$1$"}) {
    if (absl::StartsWith(hash, prefix)) return Format::kCrypt;
  }
  if (absl::StartsWith(hash, "{SHA}")) return Format::kSha;
  if (absl::StartsWith(hash, "{SSHA}")) return Format::kSsha;
  return Format::kPlain;
}

std::string Sha1(absl::string_view data) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

bool CryptMatches(absl::string_view password, const std::string& hash) {
  // crypt_r's state is large (tens of KiB); on the heap, one per call, so calls never share it.
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string pw(password);
  const char* out = crypt_r(pw.c_str(), hash.c_str(), data.get());
  // A failure is NULL or a string starting with '*', never equal to a valid hash.
  return out != nullptr && out[0] != '*' && pipeline::ConstantTimeEquals(out, hash);
}

}  // namespace

absl::Status Htpasswd::Parse(absl::string_view contents, Htpasswd* into) {
  int number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++number;
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": expected user:password (no colon)"));
    }
    absl::string_view user = line.substr(0, colon);
    absl::string_view hash = line.substr(colon + 1);
    if (user.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, ": the user name is empty"));
    }
    if (absl::StartsWith(hash, "$apr1$")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", number, ": user \"", user,
          "\" has an Apache MD5 ($apr1$) hash, which weir does not support; use bcrypt "
          "(htpasswd -B), SHA-crypt, {SHA} or plain text"));
    }
    Format format = FormatOf(hash);
    if (format == Format::kSha || format == Format::kSsha) {
      std::string raw;
      absl::string_view b64 = hash.substr(format == Format::kSha ? 5 : 6);
      if (!absl::Base64Unescape(b64, &raw) ||
          (format == Format::kSha ? raw.size() != SHA_DIGEST_LENGTH
                                  : raw.size() <= SHA_DIGEST_LENGTH)) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", number, ": user \"", user, "\" has a malformed ",
                         format == Format::kSha ? "{SHA}" : "{SSHA}", " hash"));
      }
    }
    if (format == Format::kCrypt && hash.find_first_of(" \t:") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", number, ": user \"", user, "\" has a malformed crypt hash"));
    }
    into->users_[user] = std::string(hash);
  }
  return absl::OkStatus();
}

bool Htpasswd::Verify(absl::string_view user, absl::string_view password) const {
  auto it = users_.find(user);
  if (it == users_.end()) return false;
  const std::string& hash = it->second;
  switch (FormatOf(hash)) {
    case Format::kCrypt:
      return CryptMatches(password, hash);
    case Format::kSha: {
      std::string raw;
      return absl::Base64Unescape(absl::string_view(hash).substr(5), &raw) &&
             pipeline::ConstantTimeEquals(Sha1(password), raw);
    }
    case Format::kSsha: {
      std::string raw;
      if (!absl::Base64Unescape(absl::string_view(hash).substr(6), &raw) ||
          raw.size() <= SHA_DIGEST_LENGTH) {
        return false;
      }
      absl::string_view digest = absl::string_view(raw).substr(0, SHA_DIGEST_LENGTH);
      absl::string_view salt = absl::string_view(raw).substr(SHA_DIGEST_LENGTH);
      return pipeline::ConstantTimeEquals(Sha1(absl::StrCat(password, salt)), digest);
    }
    case Format::kPlain:
      return pipeline::ConstantTimeEquals(password, hash);
  }
  return false;
}

}  // namespace weir::extensions::basicauth
