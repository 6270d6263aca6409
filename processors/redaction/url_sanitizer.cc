#include "processors/redaction/url_sanitizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace weir::processors::redaction {

namespace {

bool IsWordChar(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == ' ';
}

// A segment stays when every character is a word character, except one other in second place.
bool KeepSegment(absl::string_view segment) {
  for (size_t i = 0; i < segment.size(); ++i) {
    if (!IsWordChar(segment[i]) && i != 1) return false;
  }
  return true;
}

// The length of a leading "scheme://authority" (0 when there is none); *userinfo_end is the
// end of "user:password@" inside it (0 when there is none).
size_t AuthorityPrefix(absl::string_view url, size_t* userinfo_begin, size_t* userinfo_end) {
  *userinfo_begin = *userinfo_end = 0;
  size_t colon = url.find("://");
  if (colon == absl::string_view::npos || colon == 0) return 0;
  for (size_t i = 0; i < colon; ++i) {
    const char c = url[i];
    const bool ok = absl::ascii_isalpha(static_cast<unsigned char>(c)) ||
                    (i > 0 && (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '+' ||
                               c == '-' || c == '.'));
    if (!ok) return 0;
  }
  const size_t authority = colon + 3;
  size_t end = url.find_first_of("/?#", authority);
  if (end == absl::string_view::npos) end = url.size();
  size_t at = url.substr(authority, end - authority).rfind('@');
  if (at != absl::string_view::npos) {
    *userinfo_begin = authority;
    *userinfo_end = authority + at + 1;
  }
  return end;
}

}  // namespace

std::string SanitizeUrl(absl::string_view url) {
  std::string out;
  size_t userinfo_begin = 0, userinfo_end = 0;
  const size_t prefix = AuthorityPrefix(url, &userinfo_begin, &userinfo_end);
  if (userinfo_end > 0) {
    absl::StrAppend(&out, url.substr(0, userinfo_begin));
    out.append("*@");
    absl::StrAppend(&out, url.substr(userinfo_end, prefix - userinfo_end));
  } else {
    absl::StrAppend(&out, url.substr(0, prefix));
  }
  absl::string_view path = url.substr(prefix);
  size_t cut = path.find_first_of("?&#");
  if (cut != absl::string_view::npos) path = path.substr(0, cut);
  bool first = true;
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    if (!first) out.push_back('/');
    first = false;
    if (segment.empty()) continue;
    if (KeepSegment(segment)) {
      out.append(segment.data(), segment.size());
    } else {
      out.push_back('*');
    }
  }
  return out;
}

bool IsFullyRedacted(absl::string_view sanitized) {
  bool star = false;
  for (absl::string_view segment : absl::StrSplit(sanitized, '/')) {
    if (segment == "*") {
      star = true;
    } else if (!segment.empty()) {
      return false;
    }
  }
  return star;
}

}  // namespace weir::processors::redaction
