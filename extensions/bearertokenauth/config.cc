#include "extensions/bearertokenauth/config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "config/blocks.h"

namespace weir::extensions::bearertokenauth {
namespace {

// RFC 9110 token characters: what a header name may consist of.
bool IsHeaderName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) &&
        absl::string_view("!#$%&'*+-.^_`|~").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Visible ASCII and spaces: what a token may hold and still travel in a header (and in gRPC
// metadata, which allows no more).
bool IsHeaderText(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> ParseTokenFile(const std::string& contents) {
  std::vector<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) tokens.emplace_back(line);
  }
  return tokens;
}

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (node.Read("header", &cfg->header) && !IsHeaderName(cfg->header)) {
    node.ErrorAt("header", "must be a header name (letters, digits and !#$%&'*+-.^_`|~)");
  }
  if (node.Read("scheme", &cfg->scheme) &&
      (!IsHeaderText(cfg->scheme) || cfg->scheme.find(' ') != std::string::npos)) {
    node.ErrorAt("scheme", "must be one word of visible ASCII");
  }
  if (node.Read("token", &cfg->token) && !IsHeaderText(cfg->token)) {
    node.ErrorAt("token", "must be visible ASCII (it is sent in a header)");
  }
  if (node.Read("tokens", &cfg->tokens)) {
    for (size_t i = 0; i < cfg->tokens.size(); ++i) {
      if (cfg->tokens[i].empty() || !IsHeaderText(cfg->tokens[i])) {
        node.diagnostics().Add(absl::StrCat(node.path(), ".tokens[", i, "]"),
                               "must be non-empty visible ASCII (it is sent in a header)",
                               node.line());
      }
    }
  }
  if (node.Read("filename", &cfg->filename) && !cfg->filename.empty()) {
    std::string contents;
    if (!config::ReadWholeFile(cfg->filename, &contents)) {
      node.ErrorAt("filename", absl::StrCat("cannot read \"", cfg->filename, "\""));
    }
  }
  if (cfg->token.empty() && cfg->tokens.empty() && cfg->filename.empty()) {
    node.Error("no bearer token provided: set token, tokens or filename");
  }
  if (!cfg->token.empty() && !cfg->tokens.empty()) {
    node.ErrorAt("tokens", "either tokens or token should be provided, not both");
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::extensions::bearertokenauth
