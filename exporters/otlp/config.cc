#include "exporters/otlp/config.h"

#include <cmath>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace weir::exporters::otlp {
namespace {

// Keys of otelcol's gRPC client settings that weir accepts and leaves to gRPC's defaults.
constexpr const char* kIgnoredKeys[] = {"balancer_name", "keepalive", "write_buffer_size",
                                        "read_buffer_size"};

// Splits `endpoint` into the channel target and a forced TLS choice (from an http:// or
// https:// prefix). Reports problems at `key`.
void ParseEndpoint(config::Node& node, absl::string_view key, const std::string& endpoint,
                   Config* cfg, std::optional<bool>* forced_tls) {
  absl::string_view rest = endpoint;
  absl::string_view host_port;
  if (absl::ConsumePrefix(&rest, "http://")) {
    *forced_tls = false;
    host_port = rest;
    cfg->target = std::string(rest);
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    *forced_tls = true;
    host_port = rest;
    cfg->target = std::string(rest);
  } else if (absl::ConsumePrefix(&rest, "dns:")) {
    // dns:///host:port or dns://resolver/host:port: gRPC's DNS resolver parses it.
    size_t slash = absl::ConsumePrefix(&rest, "//") ? rest.find('/') : absl::string_view::npos;
    if (slash == absl::string_view::npos) {
      node.ErrorAt(key, absl::StrCat("expected dns:///host:port, got \"", endpoint, "\""));
      return;
    }
    host_port = rest.substr(slash + 1);
    cfg->target = endpoint;
  } else {
    host_port = rest;
    cfg->target = endpoint;
  }
  config::HostPort hp;
  std::string error;
  if (!config::ParseHostPort(host_port, &hp, &error)) {
    node.ErrorAt(key, error);
  } else if (hp.host.empty()) {
    node.ErrorAt(key, absl::StrCat("missing host in \"", endpoint, "\""));
  } else if (hp.port == 0) {
    node.ErrorAt(key, absl::StrCat("port must be from 1 to 65535 in \"", endpoint, "\""));
  }
}

}  // namespace

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  std::optional<bool> forced_tls;
  if (node.ReadRequired("endpoint", &cfg->endpoint)) {
    ParseEndpoint(node, "endpoint", cfg->endpoint, cfg.get(), &forced_tls);
  }
  cfg->tls.Decode(node.Child("tls"));
  cfg->use_tls = forced_tls.value_or(!cfg->tls.insecure);

  cfg->headers.Decode(node, config::HeaderSyntax::kGrpcMetadata);
  cfg->compression.Decode(node);
  if (node.Has("auth")) cfg->auth.emplace().Decode(node.Child("auth"));

  helper::DecodeExporterOptions(node, &cfg->exporter);
  for (const char* key : kIgnoredKeys) node.Child(key);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::otlp
