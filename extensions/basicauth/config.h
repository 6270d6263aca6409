// Config of the `basicauth` extension, with the keys of otelcol's basicauthextension: a server
// side (`htpasswd`) or a client side (`client_auth`), exactly one of them.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/node.h"
#include "extensions/basicauth/htpasswd.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::extensions::basicauth {

struct HtpasswdConfig {
  std::string file;     // htpasswd.file: path of an htpasswd file. Default none.
  std::string inline_;  // htpasswd.inline: htpasswd content; its users win over the file's.
};

struct ClientAuthConfig {
  std::string username;  // client_auth.username: required, without ':'
  std::string password;  // client_auth.password. Default empty.
};

struct Config : pipeline::ComponentConfig {
  std::optional<HtpasswdConfig> htpasswd;
  std::optional<ClientAuthConfig> client_auth;

  // Derived at decode time: the users of htpasswd.file then htpasswd.inline.
  Htpasswd users;

  pipeline::AuthRoles auth_roles() const {
    return {.server = htpasswd.has_value(), .client = client_auth.has_value()};
  }
};

// Decodes and validates: exactly one of htpasswd and client_auth; htpasswd needs file or
// inline, the file must be readable, and every line of both must parse (the error names the
// line); client_auth.username must not hold ':'.
std::unique_ptr<Config> DecodeConfig(config::Node node);

}  // namespace weir::extensions::basicauth
