#include "config/node.h"

#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace weir::config {
namespace {

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

std::string KindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return absl::StrCat("\"", node.Scalar(), "\"");
    default:
      return "nothing";
  }
}

}  // namespace

bool ExpandEnv(absl::string_view text, std::string* out, std::string* error) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$') {
      out->push_back(c);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out->push_back('$');
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      out->push_back(c);
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == absl::string_view::npos) {
      *error = absl::StrCat("unterminated \"${\" in \"", text, "\"");
      return false;
    }
    absl::string_view ref = text.substr(i + 2, close - i - 2);
    if (ref.substr(0, 4) == "env:") ref.remove_prefix(4);
    absl::string_view fallback;
    bool has_fallback = false;
    if (size_t sep = ref.find(":-"); sep != absl::string_view::npos) {
      fallback = ref.substr(sep + 2);
      has_fallback = true;
      ref = ref.substr(0, sep);
    }
    bool valid = !ref.empty() && !absl::ascii_isdigit(ref[0]);
    for (char r : ref) valid = valid && IsNameChar(r);
    if (!valid) {
      *error = absl::StrCat("invalid environment variable reference \"${",
                            text.substr(i + 2, close - i - 2), "}\"");
      return false;
    }
    const char* value = std::getenv(std::string(ref).c_str());
    if (value != nullptr && (*value != '\0' || !has_fallback)) {
      out->append(value);
    } else if (has_fallback) {
      out->append(fallback.data(), fallback.size());
    }
    i = close;
  }
  return true;
}

bool ParseGoDuration(absl::string_view text, absl::Duration* out) {
  std::string t(absl::StripAsciiWhitespace(text));
  if (t == "0") {
    *out = absl::ZeroDuration();
    return true;
  }
  // Go writes microseconds as "µs" too.
  for (size_t p; (p = t.find("\xC2\xB5s")) != std::string::npos;) t.replace(p, 3, "us");
  if (t.empty() || t == "inf" || t == "-inf") return false;
  // A bare number has no unit: reject it, as Go's time.ParseDuration does.
  if (absl::ascii_isdigit(t.back())) return false;
  return absl::ParseDuration(t, out);
}

Node::Node(YAML::Node node, std::string path, Diagnostics* diagnostics)
    : node_(std::move(node)),
      path_(std::move(path)),
      diagnostics_(diagnostics),
      known_(std::make_shared<std::set<std::string, std::less<>>>()) {}

int Node::line() const {
  if (key_line_ > 0) return key_line_;
  if (!node_.IsDefined()) return 0;
  int l = node_.Mark().line;
  return l < 0 ? 0 : l + 1;
}

bool Node::IsSet() const { return node_.IsDefined() && !node_.IsNull(); }

bool Node::Has(absl::string_view key) const { return node_.IsMap() && Get(key).IsDefined(); }

bool Node::IsSetKey(absl::string_view key) const {
  YAML::Node v = Get(key);
  if (!v.IsDefined() || v.IsNull()) return false;
  if (v.IsScalar() && v.Scalar().empty()) return false;
  return true;
}

YAML::Node Node::Get(absl::string_view key) const {
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

int Node::KeyLine(absl::string_view key) const {
  if (node_.IsMap()) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == key) {
        int l = it->first.Mark().line;
        if (l >= 0) return l + 1;
      }
    }
  }
  // An absent key: point at this mapping's own key.
  return line();
}

std::string Node::KeyPath(absl::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

void Node::ErrorAt(absl::string_view key, absl::string_view message) const {
  diagnostics_->Add(KeyPath(key), std::string(message), KeyLine(key));
}

void Node::Error(absl::string_view message) const {
  diagnostics_->Add(path_, std::string(message), line());
}

Node Node::Child(absl::string_view key) {
  known_->emplace(key);
  Node child(Get(key), KeyPath(key), diagnostics_);
  child.key_line_ = KeyLine(key);
  return child;
}

bool Node::AsString(std::string* out) const {
  if (!node_.IsScalar()) {
    Error(absl::StrCat("expected a single value, got ", KindName(node_)));
    return false;
  }
  std::string error;
  if (!ExpandEnv(node_.Scalar(), out, &error)) {
    Error(error);
    return false;
  }
  return true;
}

bool Node::Scalar(absl::string_view key, std::string* text) {
  Node value = Child(key);
  if (!value.IsSet()) return false;
  return value.AsString(text);
}

bool Node::Read(absl::string_view key, std::string* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  *out = std::move(text);
  return true;
}

bool Node::Read(absl::string_view key, bool* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true")
    *out = true;
  else if (lower == "false")
    *out = false;
  else {
    ErrorAt(key, absl::StrCat("expected true or false, got \"", text, "\""));
    return false;
  }
  return true;
}

bool Node::Read(absl::string_view key, int64_t* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  int64_t v;
  if (!absl::SimpleAtoi(text, &v)) {
    ErrorAt(key, absl::StrCat("expected an integer, got \"", text, "\""));
    return false;
  }
  *out = v;
  return true;
}

bool Node::Read(absl::string_view key, int* out) {
  int64_t v;
  if (!Read(key, &v)) return false;
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    ErrorAt(key, absl::StrCat("value ", v, " is out of range"));
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool Node::Read(absl::string_view key, double* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  double v;
  if (!absl::SimpleAtod(text, &v)) {
    ErrorAt(key, absl::StrCat("expected a number, got \"", text, "\""));
    return false;
  }
  *out = v;
  return true;
}

bool Node::Read(absl::string_view key, absl::Duration* out) {
  std::string text;
  if (!Scalar(key, &text)) return false;
  absl::Duration d;
  if (!ParseGoDuration(text, &d) || d < absl::ZeroDuration()) {
    ErrorAt(key, absl::StrCat("expected a duration such as 200ms, 5s or 1m, got \"", text, "\""));
    return false;
  }
  *out = d;
  return true;
}

bool Node::Read(absl::string_view key, std::vector<std::string>* out) {
  known_->emplace(key);
  YAML::Node v = Get(key);
  if (!v.IsDefined() || v.IsNull()) return false;
  if (!v.IsSequence()) {
    ErrorAt(key, absl::StrCat("expected a list, got ", KindName(v)));
    return false;
  }
  std::vector<std::string> items;
  bool ok = true;
  Node list(v, KeyPath(key), diagnostics_);
  for (const Node& element : list.Elements()) {
    std::string s;
    if (element.AsString(&s))
      items.push_back(std::move(s));
    else
      ok = false;
  }
  if (ok) *out = std::move(items);
  return ok;
}

bool Node::Read(absl::string_view key, std::map<std::string, std::string>* out) {
  Node child = Child(key);
  if (!child.IsSet()) return false;
  if (!child.IsMap()) {
    ErrorAt(key, absl::StrCat("expected a mapping, got ", KindName(child.yaml())));
    return false;
  }
  std::map<std::string, std::string> items;
  bool ok = true;
  for (auto& [k, value] : child.Entries()) {
    std::string s;
    if (value.IsSet() && value.AsString(&s))
      items[k] = std::move(s);
    else if (!value.IsSet())
      items[k] = "";
    else
      ok = false;
  }
  if (ok) *out = std::move(items);
  return ok;
}

std::vector<std::pair<std::string, Node>> Node::Entries() {
  std::vector<std::pair<std::string, Node>> entries;
  if (!IsSet()) return entries;
  if (!node_.IsMap()) {
    Error(absl::StrCat("expected a mapping, got ", KindName(node_)));
    return entries;
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    known_->insert(key);
    Node child(it->second, KeyPath(key), diagnostics_);
    int l = it->first.Mark().line;
    child.key_line_ = l < 0 ? 0 : l + 1;
    entries.emplace_back(key, std::move(child));
  }
  return entries;
}

std::vector<Node> Node::Elements() {
  std::vector<Node> elements;
  if (!node_.IsSequence()) return elements;
  for (size_t i = 0; i < node_.size(); ++i) {
    elements.emplace_back(node_[i], absl::StrCat(path_, "[", i, "]"), diagnostics_);
  }
  return elements;
}

void Node::RejectUnknownKeys() {
  if (!IsSet()) return;
  if (!node_.IsMap()) {
    Error(absl::StrCat("expected a mapping, got ", KindName(node_)));
    return;
  }
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (known_->count(key) == 0) {
      int l = it->first.Mark().line;
      diagnostics_->Add(KeyPath(key), "unknown key", l < 0 ? 0 : l + 1);
    }
  }
}

}  // namespace weir::config
