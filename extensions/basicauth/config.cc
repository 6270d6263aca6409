#include "extensions/basicauth/config.h"

#include "absl/strings/str_cat.h"
#include "config/blocks.h"

namespace weir::extensions::basicauth {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (node.Has("htpasswd")) {
    HtpasswdConfig& h = cfg->htpasswd.emplace();
    config::Node n = node.Child("htpasswd");
    n.Read("file", &h.file);
    n.Read("inline", &h.inline_);
    if (h.file.empty() && h.inline_.empty()) {
      n.Error("set file or inline: the users a server accepts");
    }
    if (!h.file.empty()) {
      std::string contents;
      if (!config::ReadWholeFile(h.file, &contents)) {
        n.ErrorAt("file", absl::StrCat("cannot read \"", h.file, "\""));
      } else if (absl::Status s = Htpasswd::Parse(contents, &cfg->users); !s.ok()) {
        n.ErrorAt("file", absl::StrCat(h.file, ": ", s.message()));
      }
    }
    if (absl::Status s = Htpasswd::Parse(h.inline_, &cfg->users); !s.ok()) {
      n.ErrorAt("inline", s.message());
    }
    n.RejectUnknownKeys();
  }
  if (node.Has("client_auth")) {
    ClientAuthConfig& c = cfg->client_auth.emplace();
    config::Node n = node.Child("client_auth");
    if (n.ReadRequired("username", &c.username) && c.username.find(':') != std::string::npos) {
      n.ErrorAt("username", "must not contain ':'");
    }
    n.Read("password", &c.password);
    n.RejectUnknownKeys();
  }
  if (cfg->htpasswd && cfg->client_auth) {
    node.Error("set either htpasswd (server) or client_auth (client), not both");
  } else if (!cfg->htpasswd && !cfg->client_auth) {
    node.Error("set htpasswd (to authenticate clients) or client_auth (to send credentials)");
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::extensions::basicauth
