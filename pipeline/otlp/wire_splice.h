// Splicing: builds a new ExportTraceServiceRequest from a scanned one by copying byte ranges,
// without decoding. A splice selects spans (a subset, in order) and may replace the bytes of
// single spans, or the header of a resource or scope (everything in a ResourceSpans or
// ScopeSpans except its children: the resource or scope itself, schema_url, unknown fields).
// Each selected span is copied with its tag; each resource and scope that keeps a span is
// re-framed around its header bytes and its kept children. This is how TraceBatch partitions,
// filters, splits and edits spans on the wire.
//
// Field order: within a re-framed ResourceSpans or ScopeSpans, the header fields numbered below
// the children's field (the resource or scope) come first, then the children, then the other
// header fields (schema_url, unknown fields), each group in its original order; so a
// canonically encoded request stays canonical (protobuf reads either order alike).
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "pipeline/otlp/wire_scan.h"

namespace weir::otlp::wire {

// A replacement for one entry's bytes: (entry index, new bytes). For a span, the new Span
// message body; for a resource or scope, the new header bytes (the encoded fields of a
// ResourceSpans without scope_spans, or of a ScopeSpans without spans).
using Replacement = std::pair<uint32_t, std::string>;

struct SplicePlan {
  // Indices (into index.spans) of the spans to keep, strictly ascending.
  absl::Span<const uint32_t> spans;
  // Replacements, each sorted by entry index. Spans replaced must also be in `spans`.
  absl::Span<const Replacement> span_bodies;
  absl::Span<const Replacement> resource_headers;
  absl::Span<const Replacement> scope_headers;
  // When true, resources and scopes that held no span in the source are kept as they were
  // (except resources listed in dropped_resources, sorted); otherwise only resources and scopes
  // that keep a span are written.
  bool keep_empty = false;
  absl::Span<const uint32_t> dropped_resources;
};

// The header bytes of resource `r` or scope `s`, as one string.
std::string ResourceHeader(absl::string_view bytes, const Index& index, uint32_t r);
std::string ScopeHeader(absl::string_view bytes, const Index& index, uint32_t s);

// Writes the request selected by `plan` from (`bytes`, `index`) to *out (cleared first) and its
// index to *out_index. The index of copied spans is translated, not rescanned; replacements
// alone are scanned, and InvalidArgument comes back when one is not valid protobuf for its
// message (e.g. a string with invalid UTF-8); *out is then unspecified. Returns InvalidArgument
// when the result would exceed 2 GiB. REQUIRES: `index` is the scan of `bytes`.
absl::Status Splice(absl::string_view bytes, const Index& index, const SplicePlan& plan,
                    std::string* out, Index* out_index);

}  // namespace weir::otlp::wire
