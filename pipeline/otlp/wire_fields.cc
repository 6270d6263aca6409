// The field walking helpers declared in wire_scan.h: varints and one field at a time, for code
// that reads fields the index does not record.
#include <cstdint>

#include "pipeline/otlp/wire_scan.h"

namespace weir::otlp::wire {
namespace {

using internal::WireType;
using enum internal::WireType;

}  // namespace

bool ReadVarint(const char*& p, const char* end, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= end) return false;
    uint8_t b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

void AppendVarintSlow(uint64_t v, std::string* out) {
  // One append of the whole varint: push_back per byte costs a capacity check each.
  char bytes[10];
  size_t n = 0;
  while (v >= 0x80) {
    bytes[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  bytes[n++] = static_cast<char>(v);
  out->append(bytes, n);
}

namespace internal {

bool NextFieldSlow(const char*& p, const char* end, uint32_t* field, uint32_t* wire_type,
                   absl::string_view* value) {
  uint64_t tag;
  if (!ReadVarint(p, end, &tag)) return false;
  *field = static_cast<uint32_t>(tag >> 3);
  *wire_type = static_cast<uint32_t>(tag & 7);
  if (*field == 0) return false;
  uint64_t v;
  const char* start = p;
  switch (*wire_type) {
    case kVarint:
      if (!ReadVarint(p, end, &v)) return false;
      break;
    case kFixed64:
      if (end - p < 8) return false;
      p += 8;
      break;
    case kFixed32:
      if (end - p < 4) return false;
      p += 4;
      break;
    case kLengthDelimited:
      if (!ReadVarint(p, end, &v) || v > static_cast<uint64_t>(end - p)) return false;
      start = p;
      p += v;
      break;
    case kStartGroup: {
      // Skip to the matching end-group tag, counting nested groups.
      int depth = 1;
      while (depth > 0) {
        uint32_t f, w;
        absl::string_view ignored;
        if (p >= end) return false;
        const char* q = p;
        uint64_t t;
        if (!ReadVarint(q, end, &t)) return false;
        if ((t & 7) == kEndGroup) {
          p = q;
          --depth;
          continue;
        }
        if ((t & 7) == kStartGroup) {
          p = q;
          ++depth;
          continue;
        }
        if (!NextField(p, end, &f, &w, &ignored)) return false;
      }
      break;
    }
    default:
      return false;
  }
  *value = absl::string_view(start, static_cast<size_t>(p - start));
  return true;
}

}  // namespace internal

}  // namespace weir::otlp::wire
