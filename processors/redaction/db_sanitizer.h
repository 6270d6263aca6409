// The database sanitizer: statements keep their shape and lose their literals, so
// "SELECT * FROM users WHERE email = 'ann@example.com'" becomes "... WHERE email = ?".
//   - sql: numbers, quoted strings, dollar-quoted strings, positional parameters ($1), TRUE,
//     FALSE and NULL become "?", and so does each run of digits inside a name ("users1" →
//     "users?"); comments, case and spacing stay;
//   - redis / valkey: the values of the commands that carry data (SET key ?, HSET key field ?,
//     AUTH ?, LPUSH key ?, …); keys and other commands stay;
//   - memcached: the command line only (the data block after "\r\n" goes);
//   - mongo / opensearch / es: a JSON query keeps its keys and structure, every value
//     becomes "?" (text that is not JSON stays as it is).
// Which family applies follows the span's db.system (db.system.name), as otelcol's.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "processors/redaction/config.h"

namespace weir::processors::redaction {

// Whether db.system `system` (lower case) is handled by `family`: sql takes other_sql, mysql,
// postgresql, mariadb and sqlite; the others take redis, valkey, memcached, mongodb,
// opensearch and elasticsearch.
bool SystemBelongsTo(absl::string_view system, DbFamily family);

std::string Obfuscate(DbFamily family, absl::string_view statement);

std::string ObfuscateSql(absl::string_view sql);
std::string ObfuscateRedis(absl::string_view command);
std::string ObfuscateMemcached(absl::string_view command);
std::string ObfuscateJson(absl::string_view json);

}  // namespace weir::processors::redaction
