// Config of the `bearertokenauth` extension, with the keys and defaults of otelcol's
// bearertokenauthextension.
//
// Threading: a decoded Config is immutable and may be read from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/node.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::extensions::bearertokenauth {

struct Config : pipeline::ComponentConfig {
  // header: the header (gRPC metadata key) carrying the token. Default "Authorization".
  std::string header = "Authorization";
  // scheme: put before the token with one space ("Bearer <token>"); empty sends the token
  // alone. Default "Bearer".
  std::string scheme = "Bearer";
  // token: the one token. Ignored (with a warning) when filename is set.
  std::string token;
  // tokens: several tokens; a server accepts any, a client sends the first. Not with `token`.
  std::vector<std::string> tokens;
  // filename: a file holding the token(s), one per line (surrounding white space and empty
  // lines ignored). Re-read when it changes. Takes precedence over token and tokens.
  std::string filename;

  // Both roles, whatever the keys: the same token guards a receiver or signs an exporter.
  pipeline::AuthRoles auth_roles() const { return {.server = true, .client = true}; }
};

// Decodes and validates: one of token, tokens or filename is required; token and tokens
// together are an error, as are a header name that is not an HTTP token, a token or scheme with
// characters a header value cannot carry, and a filename that cannot be read.
std::unique_ptr<Config> DecodeConfig(config::Node node);

// The tokens in a token file's contents: one per line, trimmed, empty lines skipped.
std::vector<std::string> ParseTokenFile(const std::string& contents);

}  // namespace weir::extensions::bearertokenauth
