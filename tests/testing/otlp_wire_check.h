// Independent checks of forwarded OTLP bytes, driven by the generated messages' descriptors
// rather than by the wire scan's own field table, so the scan's tests and fuzz targets compare
// two implementations instead of one with itself.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace weir::testing {

// Walks `bytes` as a message of type `descriptor` and returns where protobuf-acceptable bytes
// could decode differently in two conformant decoders: a field the schema defines arriving with
// another wire type (packed and unpacked encodings of repeated scalars both count as the
// field's own), a singular message field present more than once (protobuf C++ merges the
// occurrences, other decoders keep the last), or two different members of one oneof. The
// answer is the field path and the problem, e.g. "resource_spans[0].resource: occurs twice";
// empty when there is none.
// REQUIRES: protobuf parses `bytes` as that message.
std::string FindAmbiguousField(absl::string_view bytes,
                               const google::protobuf::Descriptor* descriptor);

// Returns the path of the first unknown field of `message` or of a message within it whose
// number the schema defines (protobuf keeps a known field with the wrong wire type as unknown),
// or empty when there is none.
std::string FindUnknownKnownField(const google::protobuf::Message& message);

}  // namespace weir::testing
