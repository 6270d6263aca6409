#include "processors/redaction/db_sanitizer.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace weir::processors::redaction {

bool SystemBelongsTo(absl::string_view system, DbFamily family) {
  switch (family) {
    case DbFamily::kSql:
      return system == "other_sql" || system == "mysql" || system == "postgresql" ||
             system == "mariadb" || system == "sqlite";
    case DbFamily::kRedis:
      return system == "redis";
    case DbFamily::kValkey:
      return system == "valkey";
    case DbFamily::kMemcached:
      return system == "memcached";
    case DbFamily::kMongo:
      return system == "mongodb";
    case DbFamily::kOpenSearch:
      return system == "opensearch";
    case DbFamily::kElasticsearch:
      return system == "elasticsearch";
  }
  return false;
}

std::string Obfuscate(DbFamily family, absl::string_view statement) {
  switch (family) {
    case DbFamily::kSql:
      return ObfuscateSql(statement);
    case DbFamily::kRedis:
    case DbFamily::kValkey:
      return ObfuscateRedis(statement);
    case DbFamily::kMemcached:
      return ObfuscateMemcached(statement);
    case DbFamily::kMongo:
    case DbFamily::kOpenSearch:
    case DbFamily::kElasticsearch:
      return ObfuscateJson(statement);
  }
  return std::string(statement);
}

// ---- SQL ----

namespace {

bool IsIdentStart(unsigned char c) { return absl::ascii_isalpha(c) || c == '_' || c >= 0x80; }
bool IsIdentChar(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

// The end of a quoted run starting at s[i] (the quote), a doubled quote escaping itself and,
// for single quotes, a backslash escaping the next character. Unterminated: the end of s.
size_t QuotedEnd(absl::string_view s, size_t i, char quote) {
  size_t j = i + 1;
  while (j < s.size()) {
    if (quote == '\'' && s[j] == '\\' && j + 1 < s.size()) {
      j += 2;
      continue;
    }
    if (s[j] == quote) {
      if (j + 1 < s.size() && s[j + 1] == quote) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    ++j;
  }
  return s.size();
}

}  // namespace

std::string ObfuscateSql(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    // Comments stay as they are.
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      size_t end = s.find('\n', i);
      end = end == absl::string_view::npos ? s.size() : end;
      absl::StrAppend(&out, s.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      end = end == absl::string_view::npos ? s.size() : end + 2;
      absl::StrAppend(&out, s.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '\'') {
      out.push_back('?');
      i = QuotedEnd(s, i, '\'');
      continue;
    }
    // Quoted names stay.
    if (c == '"' || c == '`') {
      size_t end = QuotedEnd(s, i, static_cast<char>(c));
      absl::StrAppend(&out, s.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '$') {
      // $1: a positional parameter.
      if (i + 1 < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1]))) {
        size_t j = i + 1;
        while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
        out.push_back('?');
        i = j;
        continue;
      }
      // $tag$ … $tag$: a dollar-quoted string.
      size_t j = i + 1;
      while (j < s.size() && (absl::ascii_isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_'))
        ++j;
      if (j < s.size() && s[j] == '$') {
        absl::string_view tag = s.substr(i, j + 1 - i);
        size_t close = s.find(tag, j + 1);
        out.push_back('?');
        i = close == absl::string_view::npos ? s.size() : close + tag.size();
        continue;
      }
    }
    // Numbers: decimal, with a fraction or an exponent, or hexadecimal.
    if (absl::ascii_isdigit(c) || (c == '.' && i + 1 < s.size() &&
                                   absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        j = i + 2;
        while (j < s.size() && absl::ascii_isxdigit(static_cast<unsigned char>(s[j]))) ++j;
      } else {
        while (j < s.size() &&
               (absl::ascii_isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.'))
          ++j;
        if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
          size_t k = j + 1;
          if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
          if (k < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[k]))) {
            j = k;
            while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
          }
        }
      }
      out.push_back('?');
      i = j;
      continue;
    }
    if (IsIdentStart(c)) {
      size_t j = i;
      while (j < s.size() && IsIdentChar(static_cast<unsigned char>(s[j]))) ++j;
      absl::string_view word = s.substr(i, j - i);
      if (absl::EqualsIgnoreCase(word, "true") || absl::EqualsIgnoreCase(word, "false") ||
          absl::EqualsIgnoreCase(word, "null")) {
        out.push_back('?');
      } else {
        // Each run of digits inside a name: table shards and generated names carry ids.
        for (size_t k = 0; k < word.size();) {
          if (absl::ascii_isdigit(static_cast<unsigned char>(word[k]))) {
            while (k < word.size() && absl::ascii_isdigit(static_cast<unsigned char>(word[k]))) ++k;
            out.push_back('?');
          } else {
            out.push_back(word[k++]);
          }
        }
      }
      i = j;
      continue;
    }
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

// ---- Redis ----

namespace {

// Splits a command line into arguments; a quoted argument ("a b" or 'a b') is one.
std::vector<std::string> RedisArgs(absl::string_view line) {
  std::vector<std::string> args;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && absl::ascii_isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    size_t j = i;
    if (line[i] == '"' || line[i] == '\'') {
      const char q = line[i];
      j = i + 1;
      while (j < line.size() && line[j] != q) j += (line[j] == '\\' && j + 1 < line.size()) ? 2 : 1;
      j = std::min(j + 1, line.size());
    } else {
      while (j < line.size() && !absl::ascii_isspace(static_cast<unsigned char>(line[j]))) ++j;
    }
    args.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return args;
}

std::string ObfuscateRedisLine(absl::string_view line) {
  std::vector<std::string> args = RedisArgs(line);
  if (args.empty()) return std::string(line);
  const std::string cmd = absl::AsciiStrToUpper(args[0]);
  auto mask = [&](size_t i) {
    if (i < args.size()) args[i] = "?";
  };
  auto collapse_after = [&](size_t keep) {
    if (args.size() > keep) {
      args.resize(keep);
      args.push_back("?");
    }
  };
  static const char* kSecond[] = {"SET",      "SETNX",  "APPEND",           "GETSET",
                                  "LPUSHX",   "RPUSHX", "SISMEMBER",        "ZRANK",
                                  "ZREVRANK", "ZSCORE", "GEORADIUSBYMEMBER"};
  static const char* kThird[] = {"HSET",   "HSETNX",   "LREM",    "LSET",  "SETBIT", "SETEX",
                                 "PSETEX", "SETRANGE", "ZINCRBY", "SMOVE", "RESTORE"};
  static const char* kCollapse[] = {"GEOHASH", "GEOPOS", "GEODIST", "LPUSH",
                                    "RPUSH",   "SREM",   "ZREM",    "SADD"};
  auto in = [&](const auto& list) {
    for (const char* name : list)
      if (cmd == name) return true;
    return false;
  };
  if (cmd == "AUTH") {
    collapse_after(1);
  } else if (in(kSecond)) {
    mask(2);
  } else if (in(kThird)) {
    mask(3);
  } else if (cmd == "LINSERT") {
    mask(4);
  } else if (in(kCollapse)) {
    collapse_after(2);
  } else if (cmd == "HMSET") {
    for (size_t i = 3; i < args.size(); i += 2) mask(i);  // HMSET key field value …
  } else if (cmd == "MSET" || cmd == "MSETNX") {
    for (size_t i = 2; i < args.size(); i += 2) mask(i);  // MSET key value …
  } else if (cmd == "GEOADD") {
    collapse_after(2);
  } else if (cmd == "ZADD") {
    size_t i = 2;  // ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member …
    while (i < args.size()) {
      const std::string opt = absl::AsciiStrToUpper(args[i]);
      if (opt != "NX" && opt != "XX" && opt != "GT" && opt != "LT" && opt != "CH" && opt != "INCR")
        break;
      ++i;
    }
    for (i += 1; i < args.size(); i += 2) mask(i);
  } else if (cmd == "CONFIG" && args.size() > 1 && absl::AsciiStrToUpper(args[1]) == "SET") {
    mask(3);
  } else if (cmd == "BITFIELD") {
    for (size_t i = 2; i + 3 < args.size(); ++i) {  // … SET type offset value
      if (absl::AsciiStrToUpper(args[i]) == "SET") mask(i + 3);
    }
  }
  return absl::StrJoin(args, " ");
}

}  // namespace

std::string ObfuscateRedis(absl::string_view command) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(command, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) continue;
    lines.push_back(ObfuscateRedisLine(trimmed));
  }
  return absl::StrJoin(lines, "\n");
}

// ---- memcached ----

std::string ObfuscateMemcached(absl::string_view command) {
  size_t end = command.find("\r\n");
  if (end != absl::string_view::npos) command = command.substr(0, end);
  return std::string(absl::StripAsciiWhitespace(command));
}

// ---- JSON ----

namespace {

class JsonObfuscator {
 public:
  explicit JsonObfuscator(absl::string_view in) : in_(in) {}

  bool Run(std::string* out) {
    out_ = out;
    SkipSpace();
    if (!Value(0)) return false;
    SkipSpace();
    return pos_ == in_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  void SkipSpace() {
    while (pos_ < in_.size() && absl::ascii_isspace(static_cast<unsigned char>(in_[pos_]))) ++pos_;
  }
  // Reads a string at pos_; appends it to out when `keep`.
  bool String(bool keep) {
    const size_t start = pos_++;
    while (pos_ < in_.size() && in_[pos_] != '"') {
      if (in_[pos_] == '\\') ++pos_;
      ++pos_;
    }
    if (pos_ >= in_.size()) return false;
    ++pos_;
    if (keep) absl::StrAppend(out_, in_.substr(start, pos_ - start));
    return true;
  }
  bool Value(int depth) {
    if (depth > kMaxDepth || pos_ >= in_.size()) return false;
    const char c = in_[pos_];
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      out_->push_back(c);
      ++pos_;
      SkipSpace();
      if (pos_ < in_.size() && in_[pos_] == close) {
        out_->push_back(close);
        ++pos_;
        return true;
      }
      for (;;) {
        SkipSpace();
        if (c == '{') {
          if (pos_ >= in_.size() || in_[pos_] != '"' || !String(true)) return false;
          SkipSpace();
          if (pos_ >= in_.size() || in_[pos_] != ':') return false;
          out_->push_back(':');
          ++pos_;
          SkipSpace();
        }
        if (!Value(depth + 1)) return false;
        SkipSpace();
        if (pos_ >= in_.size()) return false;
        if (in_[pos_] == ',') {
          out_->push_back(',');
          ++pos_;
          continue;
        }
        if (in_[pos_] != close) return false;
        out_->push_back(close);
        ++pos_;
        return true;
      }
    }
    if (c == '"') {
      if (!String(false)) return false;
    } else {
      // A number, true, false or null.
      const size_t start = pos_;
      while (pos_ < in_.size() && (absl::ascii_isalnum(static_cast<unsigned char>(in_[pos_])) ||
                                   in_[pos_] == '-' || in_[pos_] == '+' || in_[pos_] == '.'))
        ++pos_;
      if (pos_ == start) return false;
    }
    out_->append("\"?\"");
    return true;
  }

  absl::string_view in_;
  size_t pos_ = 0;
  std::string* out_ = nullptr;
};

}  // namespace

std::string ObfuscateJson(absl::string_view json) {
  std::string out;
  if (absl::StripAsciiWhitespace(json).empty() || !JsonObfuscator(json).Run(&out)) {
    return std::string(json);
  }
  return out;
}

}  // namespace weir::processors::redaction
