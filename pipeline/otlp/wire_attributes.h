// Reading OTLP attributes (KeyValue lists and AnyValue) straight from protobuf bytes, without
// decoding the message that holds them. Used by the span, resource and scope views of
// TraceBatch so a processor can test `http.route` or `service.name` on the wire.
//
// Semantics follow protobuf's parser: a KeyValue whose key repeats takes the last one, and so
// does an AnyValue whose scalar member repeats. What decoders read differently (KeyValue.value
// or a message member of AnyValue occurring twice, two members of AnyValue's oneof) never gets
// here: the scan refuses it. A list in which a key repeats yields every entry; Find returns the
// first, as OTLP's data model does.
//
// Input must have passed wire::ScanRequest (or come from protobuf's serializer); on malformed
// bytes the functions stop early and never read out of bounds.
//
// Threading: stateless functions, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "pipeline/otlp/wire_scan.h"

namespace weir::otlp::wire {

// The case of an AnyValue that is set; kEmpty when none is.
enum class ValueType : uint8_t { kEmpty, kString, kBool, kInt, kDouble, kArray, kKvList, kBytes };

// One attribute value read from the wire. Views point into the scanned bytes.
struct AttributeValue {
  ValueType type = ValueType::kEmpty;
  // kString and kBytes: the value; kArray and kKvList: the encoded ArrayValue or KeyValueList
  // body (read it with ForEachArrayValue / ForEachKeyValue(body, 1, ...)).
  absl::string_view bytes;
  bool bool_value = false;
  int64_t int_value = 0;
  double double_value = 0;

  // The value as text: strings as they are, bool "true"/"false", ints in decimal, doubles as
  // absl::StrCat formats them; bytes, arrays, maps and empty values as "".
  std::string ToString() const;
};

// Decodes an AnyValue message body.
AttributeValue ReadAnyValue(absl::string_view body);

// Calls fn(key, const AttributeValue&) for every KeyValue in field `field` of the message body
// `body` (e.g. field 9 of a Span, 1 of a Resource, 3 of an InstrumentationScope), in order.
template <typename Fn>
void ForEachKeyValue(absl::string_view body, uint32_t field, Fn&& fn);

// The first KeyValue with `key` in field `field` of `body`; nullopt when there is none.
std::optional<AttributeValue> FindKeyValue(absl::string_view body, uint32_t field,
                                           absl::string_view key);

// Calls fn(const AttributeValue&) for every element of an ArrayValue body.
template <typename Fn>
void ForEachArrayValue(absl::string_view body, Fn&& fn);

// ---- implementation of the templates ----

namespace internal {
// Reads a KeyValue body: the last key and the last value.
void ReadKeyValue(absl::string_view body, absl::string_view* key, AttributeValue* value);
}  // namespace internal

template <typename Fn>
void ForEachKeyValue(absl::string_view body, uint32_t field, Fn&& fn) {
  ForEachField(body,
               [&](uint32_t f, uint32_t wire_type, absl::string_view value, absl::string_view) {
                 if (f != field || wire_type != 2) return;
                 absl::string_view key;
                 AttributeValue v;
                 internal::ReadKeyValue(value, &key, &v);
                 fn(key, static_cast<const AttributeValue&>(v));
               });
}

template <typename Fn>
void ForEachArrayValue(absl::string_view body, Fn&& fn) {
  ForEachField(body,
               [&](uint32_t f, uint32_t wire_type, absl::string_view value, absl::string_view) {
                 if (f != 1 || wire_type != 2) return;
                 AttributeValue v = ReadAnyValue(value);
                 fn(static_cast<const AttributeValue&>(v));
               });
}

}  // namespace weir::otlp::wire
