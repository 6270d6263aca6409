// Htpasswd: the user table of an Apache-style htpasswd file, as otelcol's basicauthextension
// reads it: one `user:hash` per line, empty lines and lines starting with `#` skipped, a later
// line for a user replacing an earlier one. The hash formats are those otelcol accepts, but
// Apache MD5 ($apr1$):
//
//   $2a$, $2b$, $2y$   bcrypt                    (htpasswd -B)
//   $5$, $6$           SHA-256-crypt, SHA-512-crypt
//   $1$                MD5-crypt
//   {SHA}              base64 of the password's SHA-1  (htpasswd -s)
//   {SSHA}             salted SHA-1
//   anything else      the password in plain text (htpasswd -p)
//
// The crypt formats are checked with libxcrypt's crypt_r. $apr1$ (htpasswd's default without
// -B) is refused when the table is parsed, naming the line.
//
// Threading: a parsed Htpasswd is immutable; Verify may be called concurrently.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace weir::extensions::basicauth {

class Htpasswd {
 public:
  // Parses `contents`. On a bad line, InvalidArgument "line N: <what is wrong>". `into` is
  // added to (so the file's table and the inline one merge, the later winning).
  static absl::Status Parse(absl::string_view contents, Htpasswd* into);

  // True when `user` is in the table and `password` matches its hash. A bcrypt check costs
  // milliseconds (by design); callers cache successes.
  bool Verify(absl::string_view user, absl::string_view password) const;

  size_t size() const { return users_.size(); }

 private:
  absl::flat_hash_map<std::string, std::string> users_;  // user -> hash as written
};

}  // namespace weir::extensions::basicauth
