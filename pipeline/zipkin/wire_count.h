// Counting the spans of a protobuf ListOfSpans on the wire, before anything is parsed, so a
// receiver can refuse a request over its span limit without building it (and a test server
// can count what it was sent).
//
// Threading: pure function, safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace weir::zipkin {

// The number of `spans` fields (field 1) of the ListOfSpans in `wire`, or -1 when `wire` is not
// a well-formed protobuf message at the top level.
int64_t CountProtoSpans(std::string_view wire);

}  // namespace weir::zipkin
