#include "exporters/helper/retry_after.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"

namespace weir::exporters::helper {
namespace {

// More than anyone should wait for one retry; also keeps the arithmetic in range.
constexpr absl::Duration kLongestDelay = absl::Hours(24);

// The three HTTP-date forms of RFC 9110 §5.6.7, in the order it prefers them.
constexpr const char* kDateFormats[] = {
    "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
    "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
    "%a %b %e %H:%M:%S %Y",       // asctime
};

}  // namespace

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    // Digits only: delay-seconds. Many digits are a very long delay, not an error.
    if (value.size() > 9) return kLongestDelay;
    int64_t seconds = 0;
    for (char c : value) seconds = seconds * 10 + (c - '0');
    return std::min(absl::Seconds(seconds), kLongestDelay);
  }
  for (const char* format : kDateFormats) {
    absl::Time when;
    if (absl::ParseTime(format, std::string(value), absl::UTCTimeZone(), &when, nullptr)) {
      return std::clamp(when - now, absl::ZeroDuration(), kLongestDelay);
    }
  }
  return std::nullopt;
}

}  // namespace weir::exporters::helper
