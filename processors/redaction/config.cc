#include "processors/redaction/config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pipeline/transform/regex.h"

namespace weir::processors::redaction {

namespace {
constexpr const char* kDbNames[kDbFamilies] = {"sql",   "redis",      "valkey", "memcached",
                                               "mongo", "opensearch", "es"};
}  // namespace

const char* DbFamilyName(DbFamily family) { return kDbNames[static_cast<int>(family)]; }

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  using pipeline::transform::ReadRegexList;
  auto cfg = std::make_unique<Config>();
  node.Read("allow_all_keys", &cfg->allow_all_keys);
  node.Read("allowed_keys", &cfg->allowed_keys);
  node.Read("ignored_keys", &cfg->ignored_keys);
  ReadRegexList(node, "ignored_key_patterns", &cfg->ignored_key_patterns);
  ReadRegexList(node, "blocked_key_patterns", &cfg->blocked_key_patterns);
  ReadRegexList(node, "blocked_values", &cfg->blocked_values);
  ReadRegexList(node, "allowed_values", &cfg->allowed_values);
  node.Read("redact_all_types", &cfg->redact_all_types);

  std::string hash;
  if (node.Read("hash_function", &hash) && !hash.empty()) {
    cfg->hash_function = pipeline::transform::ParseHashFunction(absl::AsciiStrToLower(hash));
    if (!cfg->hash_function) {
      node.ErrorAt("hash_function",
                   absl::StrCat("unknown hash function \"", hash,
                                "\"; use md5, sha1, sha3, hmac-sha256 or hmac-sha512"));
    }
  }
  const bool has_hmac_key = node.Read("hmac_key", &cfg->hmac_key);
  std::string hash_key;
  if (node.Read("hash_key", &hash_key)) {
    if (has_hmac_key) node.ErrorAt("hash_key", "is another name of hmac_key; set only one");
    cfg->hmac_key = hash_key;
  }
  const char* key_name = has_hmac_key ? "hmac_key" : "hash_key";
  if (cfg->hash_function && pipeline::transform::IsHmac(*cfg->hash_function)) {
    const size_t need =
        *cfg->hash_function == pipeline::transform::HashFunction::kHmacSha256 ? 32 : 64;
    if (cfg->hmac_key.empty()) {
      node.ErrorAt("hmac_key", absl::StrCat("required with hash_function ", hash));
    } else if (cfg->hmac_key.size() < need) {
      node.ErrorAt(key_name, absl::StrCat("must be at least ", need, " bytes for ", hash,
                                          " (it has ", cfg->hmac_key.size(), ")"));
    }
  } else if (!cfg->hmac_key.empty()) {
    node.ErrorAt(key_name, "applies only to hash_function hmac-sha256 or hmac-sha512");
  }

  std::string summary;
  if (node.Read("summary", &summary) && !summary.empty()) {
    if (summary == "debug") {
      cfg->summary = Summary::kDebug;
    } else if (summary == "info") {
      cfg->summary = Summary::kInfo;
    } else if (summary != "silent") {
      node.ErrorAt("summary", "must be debug, info or silent");
    }
  }

  config::Node url = node.Child("url_sanitizer");
  url.Read("enabled", &cfg->url_enabled);
  url.Read("attributes", &cfg->url_attributes);
  url.Read("sanitize_span_name", &cfg->url_span_name);
  url.RejectUnknownKeys();

  config::Node db = node.Child("db_sanitizer");
  for (int i = 0; i < kDbFamilies; ++i) {
    config::Node entry = db.Child(kDbNames[i]);
    entry.Read("enabled", &cfg->db[i].enabled);
    entry.Read("attributes", &cfg->db[i].attributes);
    entry.RejectUnknownKeys();
  }
  db.Read("sanitize_span_name", &cfg->db_span_name);
  db.RejectUnknownKeys();

  node.Read("redact_names", &cfg->redact_names);
  node.Read("dry_run", &cfg->dry_run);
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::redaction
