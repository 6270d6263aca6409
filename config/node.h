// Node: strict, path-aware decoding of one YAML value.
//
// A component decodes its config by reading keys from its Node; each read marks the key as
// known, converts the value (after ${env:...} expansion) and reports a typed error on failure.
// RejectUnknownKeys() then reports every key nobody read. All errors go to the shared
// Diagnostics with the key's full path and YAML line; decoding goes on after an error so every
// problem is reported at once.
//
// Threading: not thread-safe; copies of a Node share their record of known keys.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/diagnostics.h"
#include "yaml-cpp/yaml.h"

namespace weir::config {

class Node {
 public:
  // `node` may be undefined or null (an absent or empty section): reads then find nothing.
  Node(YAML::Node node, std::string path, Diagnostics* diagnostics);

  const std::string& path() const { return path_; }
  Diagnostics& diagnostics() const { return *diagnostics_; }
  // 1-based line of this node's key in its mapping (or of the value itself when it has no
  // key), 0 when unknown.
  int line() const;
  // False for an absent key or an explicit null / empty value.
  bool IsSet() const;
  bool IsMap() const { return node_.IsMap(); }
  bool IsSequence() const { return node_.IsSequence(); }
  const YAML::Node& yaml() const { return node_; }

  // True when the mapping has `key`. Does not mark the key as known.
  bool Has(absl::string_view key) const;

  // Reads an optional key into *out; leaves *out unchanged when the key is absent or null.
  // Reports "expected <type>" (and similar) errors at path.key. Returns true if a value was
  // read successfully.
  bool Read(absl::string_view key, std::string* out);
  bool Read(absl::string_view key, bool* out);
  bool Read(absl::string_view key, int64_t* out);
  bool Read(absl::string_view key, int* out);
  bool Read(absl::string_view key, double* out);
  // Go-style duration: "200ms", "5s", "1m30s". Negative values are rejected.
  bool Read(absl::string_view key, absl::Duration* out);
  bool Read(absl::string_view key, std::vector<std::string>* out);
  bool Read(absl::string_view key, std::map<std::string, std::string>* out);

  // Like Read, but reports "required" when the key is absent or its value (after env
  // expansion) is empty.
  template <typename T>
  bool ReadRequired(absl::string_view key, T* out) {
    if (!IsSetKey(key)) {
      ErrorAt(key, "required");
      return false;
    }
    if (!Read(key, out)) return false;
    if (IsEmptyValue(*out)) {
      ErrorAt(key, "required");
      return false;
    }
    return true;
  }

  // The value under `key` (possibly unset), marking the key as known.
  Node Child(absl::string_view key);

  // All entries of a mapping, marking every key as known. Reports an error and returns nothing
  // when this node is set but is not a mapping.
  std::vector<std::pair<std::string, Node>> Entries();

  // Elements of a sequence, with paths "path[0]", "path[1]"...
  std::vector<Node> Elements();

  // Reports an error at path.key, with the line of that key (or of this node when absent).
  void ErrorAt(absl::string_view key, absl::string_view message) const;
  // Reports an error at this node's path.
  void Error(absl::string_view message) const;

  // Reports "unknown key" for every key of this mapping not read so far, and an error when the
  // node is set but is not a mapping.
  void RejectUnknownKeys();

  // Converts this node's scalar (after env expansion). Each reports its own error.
  bool AsString(std::string* out) const;

 private:
  bool IsSetKey(absl::string_view key) const;
  static bool IsEmptyValue(const std::string& v) { return v.empty(); }
  static bool IsEmptyValue(const std::vector<std::string>& v) { return v.empty(); }
  template <typename T>
  static bool IsEmptyValue(const T&) {
    return false;
  }
  YAML::Node Get(absl::string_view key) const;
  int KeyLine(absl::string_view key) const;
  std::string KeyPath(absl::string_view key) const;
  bool Scalar(absl::string_view key, std::string* text);

  YAML::Node node_;
  std::string path_;
  int key_line_ = 0;
  Diagnostics* diagnostics_;
  std::shared_ptr<std::set<std::string, std::less<>>> known_;
};

// Expands ${env:NAME}, ${env:NAME:-default} and ${NAME} from the environment and turns $$ into
// $. An unset variable without default expands to "". Returns false and sets *error for an
// unterminated or malformed reference.
bool ExpandEnv(absl::string_view text, std::string* out, std::string* error);

// Parses a Go-style duration ("1h2m3.5s", "250ms", "0"). Returns false on error.
bool ParseGoDuration(absl::string_view text, absl::Duration* out);

}  // namespace weir::config
