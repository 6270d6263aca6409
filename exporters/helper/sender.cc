#include "exporters/helper/sender.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"

namespace weir::exporters::helper {
namespace {

// The payload's type URL; its value is the delay in absl::FormatDuration's text.
constexpr char kRetryDelayUrl[] = "type.weir.dev/weir.exporters.RetryDelay";

}  // namespace

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  status.SetPayload(kRetryDelayUrl,
                    absl::Cord(absl::FormatDuration(std::max(delay, absl::ZeroDuration()))));
  return status;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryDelayUrl);
  if (!payload) return std::nullopt;
  absl::Duration delay;
  if (!absl::ParseDuration(std::string(*payload), &delay)) return std::nullopt;
  return delay;
}

}  // namespace weir::exporters::helper
