#include "pipeline/transform/regex.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace weir::pipeline::transform {

RE2::Options RegexOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

bool ReadRegexList(config::Node& node, absl::string_view key, std::vector<std::string>* out) {
  if (!node.Read(key, out)) return false;
  bool ok = true;
  for (size_t i = 0; i < out->size(); ++i) {
    RE2 re((*out)[i], RegexOptions());
    if (!re.ok()) {
      ok = false;
      node.ErrorAt(key, absl::StrCat("[", i, "]: invalid regular expression \"", (*out)[i],
                                     "\": ", re.error()));
    }
  }
  // Each compiles; together they must fit RE2's memory bound too.
  if (ok) {
    absl::StatusOr<RegexList> list = RegexList::Compile(*out);
    if (!list.ok()) node.ErrorAt(key, list.status().message());
  }
  return true;
}

absl::StatusOr<RegexList> RegexList::Compile(const std::vector<std::string>& patterns) {
  RegexList list;
  if (patterns.empty()) return list;
  list.set_ = std::make_unique<RE2::Set>(RegexOptions(), RE2::UNANCHORED);
  for (const std::string& p : patterns) {
    auto re = std::make_unique<RE2>(p, RegexOptions());
    if (!re->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression \"", p, "\": ", re->error()));
    }
    std::string error;
    if (list.set_->Add(p, &error) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid regular expression \"", p, "\": ", error));
    }
    list.patterns_.push_back(std::move(re));
  }
  if (!list.set_->Compile()) {
    return absl::ResourceExhaustedError("the regular expressions are too large to compile");
  }
  return list;
}

bool RegexList::MatchesAny(absl::string_view text) const {
  return set_ != nullptr && set_->Match(re2::StringPiece(text.data(), text.size()), nullptr);
}

std::vector<int> RegexList::Matching(absl::string_view text) const {
  std::vector<int> matches;
  if (set_ != nullptr && set_->Match(re2::StringPiece(text.data(), text.size()), &matches))
    std::sort(matches.begin(), matches.end());
  return matches;
}

namespace {
// The width of the UTF-8 sequence starting at text[i] (1 for a byte that starts none).
size_t RuneWidth(absl::string_view text, size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  size_t width = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 1;
  return std::min(width, text.size() - i);
}
}  // namespace

std::optional<std::string> ReplaceAll(const RE2& re, absl::string_view text,
                                      absl::FunctionRef<std::string(absl::string_view)> replace) {
  std::string out;
  bool matched = false;
  size_t last_end = 0;
  size_t search = 0;
  while (search <= text.size()) {
    re2::StringPiece m;
    if (!re.Match(re2::StringPiece(text.data(), text.size()), search, text.size(), RE2::UNANCHORED,
                  &m, 1)) {
      break;
    }
    const size_t begin = static_cast<size_t>(m.data() - text.data());
    const size_t end = begin + m.size();
    out.append(text.data() + last_end, begin - last_end);
    // Go skips an empty match that directly follows the previous match.
    if (end > last_end || begin == 0) {
      out.append(replace(absl::string_view(m.data(), m.size())));
      matched = true;
    }
    last_end = end;
    const size_t width = search < text.size() ? RuneWidth(text, search) : 1;
    if (search + width > end) {
      search += width;
    } else if (search + 1 > end) {
      ++search;
    } else {
      search = end;
    }
  }
  if (!matched) return std::nullopt;
  out.append(text.data() + last_end, text.size() - last_end);
  return out;
}

}  // namespace weir::pipeline::transform
