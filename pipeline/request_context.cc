#include "pipeline/request_context.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace weir::pipeline {

std::vector<absl::string_view> RequestContext::Get(absl::string_view key) const {
  std::vector<absl::string_view> out;
  for (const auto& [k, v] : metadata)
    if (absl::EqualsIgnoreCase(k, key)) out.push_back(v);
  return out;
}

bool RequestContext::AddMetadata(absl::string_view key, absl::string_view value) {
  size_t size = key.size() + value.size();
  if (metadata.size() >= kMaxMetadataEntries || metadata_bytes_ + size > kMaxMetadataBytes)
    return false;
  metadata.emplace_back(absl::AsciiStrToLower(key), std::string(value));
  metadata_bytes_ += size;
  return true;
}

absl::string_view RequestContext::transport_name() const {
  switch (transport) {
    case Transport::kGrpc:
      return "grpc";
    case Transport::kHttp:
      return "http";
    case Transport::kUnknown:
      break;
  }
  return "";
}

const RequestContext& RequestContext::Empty() {
  static const RequestContext* const empty = new RequestContext();
  return *empty;
}

}  // namespace weir::pipeline
