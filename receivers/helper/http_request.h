// What the receivers' HTTP handlers read off a request the same way: the request context (receive
// time, transport, client address, and the headers when include_metadata is on) and the media
// type of Content-Type.
//
// Threading: stateless.
#pragma once

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "pipeline/clock.h"
#include "pipeline/net/http_server.h"
#include "pipeline/request_context.h"

namespace weir::receivers::helper {

// Lower-cased, parameters and spaces dropped ("Application/JSON; charset=utf-8" →
// "application/json"), as receivers compare it.
inline std::string MediaType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(media));
}

// The context of an HTTP request received now from `client_address`; with `include_metadata`
// its header fields go into the metadata, up to RequestContext's bounds.
inline pipeline::RequestContext HttpRequestContext(const net::HttpRequest& request,
                                                   absl::string_view client_address,
                                                   bool include_metadata) {
  pipeline::RequestContext context;
  context.received_at_ns = pipeline::SteadyNowNs();
  context.transport = pipeline::RequestContext::Transport::kHttp;
  context.client_address = std::string(client_address);
  if (include_metadata) {
    for (const auto& field : request) {
      if (!context.AddMetadata(
              absl::string_view(field.name_string().data(), field.name_string().size()),
              absl::string_view(field.value().data(), field.value().size()))) {
        break;
      }
    }
  }
  return context;
}

}  // namespace weir::receivers::helper
