// Writing protobuf fields by hand, for code that produces a message's encoding without building
// the message (the Zipkin translation writes OTLP requests and Zipkin ListOfSpans this way).
// Fields are appended in the order they are written; write them in field-number order to get
// the bytes protobuf's serializer would.
//
// Threading: pure functions over the caller's string.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "pipeline/otlp/wire_scan.h"

namespace weir::otlp::wire {

inline constexpr uint32_t kWireVarint = 0;
inline constexpr uint32_t kWireFixed64 = 1;
inline constexpr uint32_t kWireBytes = 2;

inline void PutTag(uint32_t field, uint32_t wire_type, std::string* out) {
  AppendVarint(field << 3 | wire_type, out);
}

// A length-delimited field: bytes, a string, or an encoded message.
inline void PutBytes(uint32_t field, absl::string_view value, std::string* out) {
  PutTag(field, kWireBytes, out);
  AppendVarint(value.size(), out);
  out->append(value.data(), value.size());
}

inline void PutVarint(uint32_t field, uint64_t value, std::string* out) {
  PutTag(field, kWireVarint, out);
  AppendVarint(value, out);
}

// fixed64, little-endian.
inline void PutFixed64(uint32_t field, uint64_t value, std::string* out) {
  PutTag(field, kWireFixed64, out);
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  out->append(bytes, 8);
}

inline void PutDouble(uint32_t field, double value, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  PutFixed64(field, bits, out);
}

// Writes a varint field (a one-byte tag: fields 1-15) at `out`, for small encodings built on
// the stack; returns the bytes written, at most 11.
inline size_t PutVarintAt(char* out, uint32_t field, uint64_t value) {
  size_t n = 0;
  out[n++] = static_cast<char>(field << 3 | kWireVarint);
  while (value >= 0x80) {
    out[n++] = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  out[n++] = static_cast<char>(value);
  return n;
}

// The size of a length-delimited field (tag of one byte: fields 1-15) holding `payload` bytes.
inline size_t BytesFieldSize(size_t payload) { return 1 + VarintSize(payload) + payload; }

// An OTLP KeyValue (field `field` of its parent) whose value is the encoded AnyValue
// `any_value`. An empty key is left out, as protobuf's serializer leaves it out.
inline void PutKeyValue(uint32_t field, absl::string_view key, absl::string_view any_value,
                        std::string* out) {
  const size_t size =
      (key.empty() ? 0 : BytesFieldSize(key.size())) + BytesFieldSize(any_value.size());
  PutTag(field, kWireBytes, out);
  AppendVarint(size, out);
  if (!key.empty()) PutBytes(1, key, out);
  PutBytes(2, any_value, out);
}

// A KeyValue with a string value, without building the AnyValue apart.
inline void PutStringKeyValue(uint32_t field, absl::string_view key, absl::string_view value,
                              std::string* out) {
  const size_t any = BytesFieldSize(value.size());
  const size_t size = (key.empty() ? 0 : BytesFieldSize(key.size())) + BytesFieldSize(any);
  PutTag(field, kWireBytes, out);
  AppendVarint(size, out);
  if (!key.empty()) PutBytes(1, key, out);
  PutTag(2, kWireBytes, out);
  AppendVarint(any, out);
  PutBytes(1, value, out);
}

}  // namespace weir::otlp::wire
