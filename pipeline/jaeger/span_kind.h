// The `span.kind` tag of Jaeger spans and OTLP's SpanKind, both ways, shared by the message
// and the wire translations.
//
// Threading: pure functions.
#pragma once

#include <cstdint>

#include "absl/strings/string_view.h"

namespace weir::jaeger {

// The tag value of OTLP's kind `kind` (client, server, producer, consumer, internal); nullptr
// for SPAN_KIND_UNSPECIFIED and unknown numbers, which get no tag.
inline const char* SpanKindTag(uint32_t kind) {
  switch (kind) {
    case 1:
      return "internal";
    case 2:
      return "server";
    case 3:
      return "client";
    case 4:
      return "producer";
    case 5:
      return "consumer";
    default:
      return nullptr;
  }
}

// OTLP's kind number for a tag value; 0 (unspecified) for any other value.
inline int SpanKindOf(absl::string_view tag) {
  if (tag == "internal") return 1;
  if (tag == "server") return 2;
  if (tag == "client") return 3;
  if (tag == "producer") return 4;
  if (tag == "consumer") return 5;
  return 0;
}

}  // namespace weir::jaeger
