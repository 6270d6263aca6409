#include "config/blocks.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace weir::config {

bool ParseHostPort(absl::string_view text, HostPort* out, std::string* error) {
  size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) {
    *error = absl::StrCat("expected host:port, got \"", text, "\"");
    return false;
  }
  absl::string_view host = text.substr(0, colon);
  absl::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int p;
  if (!absl::SimpleAtoi(port, &p) || p < 0 || p > 65535) {
    *error = absl::StrCat("invalid port in \"", text, "\": expected a number from 0 to 65535");
    return false;
  }
  out->host = std::string(host);
  out->port = p;
  return true;
}

bool ReadEndpoint(Node& node, absl::string_view key, std::string* endpoint) {
  std::string value;
  if (!node.Read(key, &value)) return false;
  HostPort hp;
  std::string error;
  if (!ParseHostPort(value, &hp, &error)) {
    node.ErrorAt(key, error);
    return false;
  }
  *endpoint = value;
  return true;
}

void TlsClientConfig::Decode(Node node) {
  node.Read("insecure", &insecure);
  node.Read("insecure_skip_verify", &insecure_skip_verify);
  node.Read("ca_file", &ca_file);
  node.Read("cert_file", &cert_file);
  node.Read("key_file", &key_file);
  node.Read("server_name_override", &server_name_override);
  if (cert_file.empty() != key_file.empty()) {
    node.ErrorAt(cert_file.empty() ? "cert_file" : "key_file",
                 "cert_file and key_file must be set together");
  }
  for (auto [key, file] : {std::pair<const char*, std::string*>{"ca_file", &ca_file},
                           {"cert_file", &cert_file},
                           {"key_file", &key_file}}) {
    std::string ignored;
    if (!file->empty() && !ReadWholeFile(*file, &ignored)) {
      node.ErrorAt(key, absl::StrCat("cannot read \"", *file, "\""));
    }
  }
  node.RejectUnknownKeys();
}

void TlsServerConfig::Decode(Node node) {
  node.ReadRequired("cert_file", &cert_file);
  node.ReadRequired("key_file", &key_file);
  node.Read("client_ca_file", &client_ca_file);
  if (node.Read("min_version", &min_version) && min_version != "1.2" && min_version != "1.3") {
    node.ErrorAt("min_version", "expected \"1.2\" or \"1.3\"");
  }
  for (auto [key, file] : {std::pair<const char*, std::string*>{"cert_file", &cert_file},
                           {"key_file", &key_file},
                           {"client_ca_file", &client_ca_file}}) {
    std::string ignored;
    if (!file->empty() && !ReadWholeFile(*file, &ignored)) {
      node.ErrorAt(key, absl::StrCat("cannot read \"", *file, "\""));
    }
  }
  node.RejectUnknownKeys();
}

void AuthConfig::Decode(Node node) {
  Node id = node.Child("authenticator");
  path = id.path();
  line = id.line();
  if (node.ReadRequired("authenticator", &authenticator)) {
    // An extension id: type [a-zA-Z][a-zA-Z0-9_]*, then optionally "/" and a non-empty name.
    absl::string_view type = absl::string_view(authenticator).substr(0, authenticator.find('/'));
    bool valid = !type.empty() && absl::ascii_isalpha(type[0]) &&
                 std::all_of(type.begin(), type.end(),
                             [](char c) { return absl::ascii_isalnum(c) || c == '_'; }) &&
                 authenticator.size() != type.size() + 1;
    if (!valid) {
      node.ErrorAt("authenticator",
                   absl::StrCat("\"", authenticator, "\" is not an extension id (type[/name])"));
    }
  }
  node.RejectUnknownKeys();
}

void QueueConfig::Decode(Node node) {
  node.Read("enabled", &enabled);
  if (node.Read("num_consumers", &num_consumers) && num_consumers < 1) {
    node.ErrorAt("num_consumers", "must be at least 1");
  }
  bool size_set = node.Read("queue_size", &queue_size);
  if (size_set && queue_size < 1) node.ErrorAt("queue_size", "must be at least 1");
  std::string name;
  if (node.Read("sizer", &name)) {
    if (name == "requests") {
      sizer = QueueSizer::kRequests;
    } else if (name == "items") {
      sizer = QueueSizer::kItems;
    } else if (name == "bytes") {
      sizer = QueueSizer::kBytes;
    } else {
      node.ErrorAt("sizer", absl::StrCat("unknown sizer \"", name,
                                         "\"; expected requests, items or bytes"));
    }
  } else if (size_set) {
    sizer = QueueSizer::kRequests;  // otelcol's default sizer
  }
  node.RejectUnknownKeys();
}

int64_t QueueConfig::Capacity(size_t memory_limit) const {
  if (queue_size > 0) return queue_size;
  switch (sizer) {
    case QueueSizer::kRequests:
      return 1000;
    case QueueSizer::kItems:
      return 100000;
    case QueueSizer::kBytes:
      return static_cast<int64_t>(std::min<size_t>(size_t{32} << 20, memory_limit / 4));
  }
  return 1000;
}

const char* QueueSizerName(QueueSizer sizer) {
  switch (sizer) {
    case QueueSizer::kRequests:
      return "requests";
    case QueueSizer::kItems:
      return "items";
    case QueueSizer::kBytes:
      return "bytes";
  }
  return "requests";
}

void RetryConfig::Decode(Node node) {
  node.Read("enabled", &enabled);
  node.Read("initial_interval", &initial_interval);
  node.Read("max_interval", &max_interval);
  node.Read("max_elapsed_time", &max_elapsed_time);
  if (node.Read("randomization_factor", &randomization_factor) &&
      !(randomization_factor >= 0 && randomization_factor <= 1)) {
    node.ErrorAt("randomization_factor", "must be within [0, 1]");
  }
  bool bad_multiplier = false;
  if (node.Read("multiplier", &multiplier) && (!std::isfinite(multiplier) || multiplier < 0)) {
    node.ErrorAt("multiplier", "must be a non-negative number");
    bad_multiplier = true;
  }
  // Stricter than otelcol, which accepts these: each makes the waits shrink to nothing, so a
  // destination that is down would be retried in a tight loop.
  if (enabled) {
    if (initial_interval == absl::ZeroDuration()) {
      node.ErrorAt("initial_interval", "must be greater than 0 when retries are enabled");
    }
    if (max_interval == absl::ZeroDuration()) {
      node.ErrorAt("max_interval", "must be greater than 0 when retries are enabled");
    }
    if (!bad_multiplier && multiplier < 1) {
      node.ErrorAt("multiplier", "must be at least 1 when retries are enabled");
    }
  }
  // otelcol's rules: a limited elapsed time must cover at least one interval.
  if (max_elapsed_time > absl::ZeroDuration()) {
    if (max_elapsed_time < initial_interval) {
      node.ErrorAt("max_elapsed_time", "must not be less than initial_interval");
    } else if (max_elapsed_time < max_interval) {
      node.ErrorAt("max_elapsed_time", "must not be less than max_interval");
    }
  }
  node.RejectUnknownKeys();
}

void CompressionConfig::Decode(Node& node) {
  std::string compression;
  if (node.Read("compression", &compression)) {
    if (compression == "gzip") {
      algorithm = Compression::kGzip;
    } else if (compression == "none" || compression.empty()) {
      algorithm = Compression::kNone;
    } else {
      node.ErrorAt("compression", absl::StrCat("unsupported compression \"", compression,
                                               "\"; supported: gzip, none"));
    }
  }
  Node params = node.Child("compression_params");
  if (params.Read("level", &level) && (level < -1 || level > 9)) {
    params.ErrorAt("level", "expected a gzip level from 1 to 9, or -1 for the default");
  }
  params.RejectUnknownKeys();
}

namespace {

// gRPC metadata keys are lowercase [0-9a-z-_.]; values of non-binary ("-bin") keys are
// printable ASCII.
void DecodeGrpcMetadata(const std::map<std::string, std::string>& raw, Node& headers,
                        std::map<std::string, std::string>* out) {
  for (const auto& [name, value] : raw) {
    std::string key = absl::AsciiStrToLower(name);
    bool valid = !key.empty();
    for (char c : key) {
      if (!absl::ascii_isdigit(c) && !absl::ascii_islower(c) && c != '-' && c != '_' && c != '.') {
        valid = false;
      }
    }
    if (!valid) {
      headers.ErrorAt(name, "invalid gRPC metadata key: use letters, digits, '-', '_' and '.'");
      continue;
    }
    if (absl::StartsWith(key, "grpc-")) {
      headers.ErrorAt(name, "keys starting with \"grpc-\" are reserved by gRPC");
      continue;
    }
    if (!absl::EndsWith(key, "-bin")) {
      for (char c : value) {
        if (c < 0x20 || c > 0x7e) {
          headers.ErrorAt(name, "value must be printable ASCII (or use a key ending in -bin)");
          break;
        }
      }
    }
    if (out->count(key) > 0) {
      headers.ErrorAt(name, absl::StrCat("duplicate of \"", key, "\" (keys are case-insensitive)"));
      continue;
    }
    (*out)[key] = value;
  }
}

// Headers that describe the message framing or encoding, which the exporter sets itself.
constexpr const char* kReservedHttpHeaders[] = {"content-length", "transfer-encoding", "connection",
                                                "content-encoding", "content-type"};

// RFC 9110 token characters.
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

void DecodeHttpHeaders(const std::map<std::string, std::string>& raw, Node& headers,
                       std::map<std::string, std::string>* out) {
  for (const auto& [name, value] : raw) {
    bool valid = !name.empty();
    for (char c : name) valid = valid && IsTokenChar(c);
    if (!valid) {
      headers.ErrorAt(name, "invalid HTTP header name");
      continue;
    }
    std::string lower = absl::AsciiStrToLower(name);
    bool reserved = false;
    for (const char* r : kReservedHttpHeaders) reserved = reserved || lower == r;
    if (reserved) {
      headers.ErrorAt(name, "this header is set by the exporter");
      continue;
    }
    bool clean = true;
    for (char c : value) clean = clean && c != '\r' && c != '\n' && c != '\0';
    if (!clean) {
      headers.ErrorAt(name, "value must not contain CR, LF or NUL");
      continue;
    }
    (*out)[name] = value;
  }
}

}  // namespace

void HeadersConfig::Decode(Node& node, HeaderSyntax syntax) {
  std::map<std::string, std::string> raw;
  if (!node.Read("headers", &raw)) return;
  Node headers = node.Child("headers");
  if (syntax == HeaderSyntax::kGrpcMetadata) {
    DecodeGrpcMetadata(raw, headers, &entries);
  } else {
    DecodeHttpHeaders(raw, headers, &entries);
  }
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

}  // namespace weir::config
