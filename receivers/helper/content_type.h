// The media type of a Content-Type header: lower-cased, parameters and spaces dropped
// ("Application/JSON; charset=utf-8" → "application/json"), as receivers compare it.
//
// Threading: stateless.
#pragma once

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace weir::receivers::helper {

inline std::string MediaType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(media));
}

}  // namespace weir::receivers::helper
