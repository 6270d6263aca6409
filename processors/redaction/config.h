// Config of the `redaction` processor: otelcol's keys and defaults, plus weir's redact_names,
// dry_run and the hash_key spelling of hmac_key (documented in README.md as weir keys).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/node.h"
#include "pipeline/component.h"
#include "pipeline/transform/hash.h"

namespace weir::processors::redaction {

enum class Summary { kSilent, kInfo, kDebug };

// The database families db_sanitizer knows, in the order otelcol tries them.
enum class DbFamily { kSql, kRedis, kValkey, kMemcached, kMongo, kOpenSearch, kElasticsearch };
inline constexpr int kDbFamilies = 7;

struct DbSanitizerEntry {
  bool enabled = false;
  std::vector<std::string> attributes;  // attribute keys whose values are obfuscated
};

struct Config : pipeline::ComponentConfig {
  // allow_all_keys: keep every attribute key; otherwise only allowed_keys (and ignored keys)
  // stay and every other attribute is removed. Default false: an empty allowed_keys removes
  // every attribute (fails closed).
  bool allow_all_keys = false;
  std::vector<std::string> allowed_keys;
  // ignored_keys / ignored_key_patterns: attributes left exactly as they are.
  std::vector<std::string> ignored_keys;
  std::vector<std::string> ignored_key_patterns;
  // blocked_key_patterns: attributes whose key matches have their whole value masked.
  std::vector<std::string> blocked_key_patterns;
  // blocked_values: every match in a value is masked (or replaced by its hash).
  std::vector<std::string> blocked_values;
  // allowed_values: a value that matches is left alone (wins over both blocked lists).
  std::vector<std::string> allowed_values;
  // redact_all_types: values of other types are matched as their text (ints, maps as JSON, …).
  bool redact_all_types = false;
  // hash_function: empty masks with "****"; otherwise matches are replaced by the hex digest.
  std::optional<pipeline::transform::HashFunction> hash_function;
  // hmac_key (hash_key): the key of hmac-sha256 (≥ 32 bytes) and hmac-sha512 (≥ 64 bytes).
  std::string hmac_key;
  // summary: debug writes redaction.*.keys and .count attributes, info only the counts,
  // silent nothing. Default silent.
  Summary summary = Summary::kSilent;

  // url_sanitizer: URL values of `attributes` lose query strings and id-like path segments;
  // so do the names of client and server spans (sanitize_span_name, default true).
  bool url_enabled = false;
  std::vector<std::string> url_attributes;
  bool url_span_name = true;

  // db_sanitizer: the literals of database statements in the listed attributes (and span
  // names, sanitize_span_name default true) become "?", chosen by the db.system of the span.
  DbSanitizerEntry db[kDbFamilies];
  bool db_span_name = true;

  // weir: span names, event names and status messages go through the value rules too.
  bool redact_names = false;
  // weir: change nothing; count and log what would have been redacted.
  bool dry_run = false;

  bool AnyDbSanitizer() const {
    for (const DbSanitizerEntry& e : db)
      if (e.enabled) return true;
    return false;
  }
};

std::unique_ptr<Config> DecodeConfig(config::Node node);

// The YAML name of a database family ("sql", "redis", …).
const char* DbFamilyName(DbFamily family);

}  // namespace weir::processors::redaction
