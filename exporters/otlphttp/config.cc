#include "exporters/otlphttp/config.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

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
