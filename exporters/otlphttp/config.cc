#include "exporters/otlphttp/config.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace weir::exporters::otlphttp {
namespace {

// Keys of otelcol's HTTP client settings that weir accepts and leaves to its own defaults.
constexpr const char* kIgnoredKeys[] = {"read_buffer_size",   "write_buffer_size",
                                        "max_idle_conns",     "max_idle_conns_per_host",
                                        "max_conns_per_host", "idle_conn_timeout"};

constexpr char kTracesPath[] = "v1/traces";

// Reads a URL key; returns true when a valid URL was read into *url.
bool ReadUrl(config::Node& node, absl::string_view key, std::string* text, Url* url) {
  if (!node.Read(key, text) || text->empty()) return false;
  std::string error;
  if (!ParseUrl(*text, url, &error)) {
    node.ErrorAt(key, error);
    return false;
  }
  return true;
}

}  // namespace

bool ParseUrl(const std::string& text, Url* url, std::string* error) {
  absl::string_view rest = text;
  Url out;
  out.text = text;
  if (absl::ConsumePrefix(&rest, "http://")) {
    out.https = false;
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    out.https = true;
  } else {
    *error = absl::StrCat("expected an http:// or https:// URL, got \"", text, "\"");
    return false;
  }
  rest = rest.substr(0, rest.find('#'));
  size_t authority_end = rest.find_first_of("/?");
  absl::string_view authority = rest.substr(0, authority_end);
  absl::string_view target =
      authority_end == absl::string_view::npos ? "" : rest.substr(authority_end);
  if (authority.find('@') != absl::string_view::npos) {
    *error = "credentials in the URL are not supported; set an Authorization header instead";
    return false;
  }
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      *error = absl::StrCat("unterminated IPv6 address in \"", text, "\"");
      return false;
    }
    host = authority.substr(1, close - 1);
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        *error = absl::StrCat("unexpected text after the IPv6 address in \"", text, "\"");
        return false;
      }
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != absl::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    *error = absl::StrCat("missing host in \"", text, "\"");
    return false;
  }
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.https ? 443 : 80;
  } else if (!absl::SimpleAtoi(port, &out.port) || out.port < 1 || out.port > 65535) {
    *error = absl::StrCat("invalid port in \"", text, "\": expected a number from 1 to 65535");
    return false;
  }
  if (target.empty()) {
    out.target = "/";
  } else if (target[0] == '?') {
    out.target = absl::StrCat("/", target);
  } else {
    out.target = std::string(target);
  }
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      *error = absl::StrCat("the path of \"", text, "\" contains a space or control character");
      return false;
    }
  }
  *url = std::move(out);
  return true;
}

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  Url base;
  bool have_base = ReadUrl(node, "endpoint", &cfg->endpoint, &base);
  bool have_traces = ReadUrl(node, "traces_endpoint", &cfg->traces_endpoint, &cfg->traces_url);
  if (!have_traces && have_base) {
    // otelcol's rule: endpoint + "/v1/traces", without doubling a trailing slash.
    std::string composed = absl::EndsWith(cfg->endpoint, "/")
                               ? absl::StrCat(cfg->endpoint, kTracesPath)
                               : absl::StrCat(cfg->endpoint, "/", kTracesPath);
    std::string error;
    if (!ParseUrl(composed, &cfg->traces_url, &error)) node.ErrorAt("endpoint", error);
  }
  if (cfg->endpoint.empty() && cfg->traces_endpoint.empty()) {
    node.ErrorAt("endpoint", "required: set endpoint or traces_endpoint");
  }

  cfg->tls.Decode(node.Child("tls"));
  cfg->headers.Decode(node, config::HeaderSyntax::kHttp);
  if (node.Has("auth")) cfg->auth.emplace().Decode(node.Child("auth"));
  cfg->compression.Decode(node);
  std::string encoding;
  if (node.Read("encoding", &encoding)) {
    if (encoding == "proto") {
      cfg->encoding = Encoding::kProto;
    } else if (encoding == "json") {
      cfg->encoding = Encoding::kJson;
    } else {
      node.ErrorAt("encoding",
                   absl::StrCat("unsupported encoding \"", encoding, "\"; supported: proto, json"));
    }
  }

  cfg->exporter.timeout = absl::Seconds(30);
  helper::DecodeExporterOptions(node, &cfg->exporter);
  for (const char* key : kIgnoredKeys) node.Child(key);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::otlphttp
