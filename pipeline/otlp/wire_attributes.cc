#include "pipeline/otlp/wire_attributes.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace weir::otlp::wire {
namespace {

uint64_t ReadFixed64(absl::string_view v) {
  uint64_t out = 0;
  if (v.size() == 8) std::memcpy(&out, v.data(), 8);  // little-endian hosts, as the scan
  return out;
}

uint64_t ReadVarintValue(absl::string_view v) {
  const char* p = v.data();
  uint64_t out = 0;
  ReadVarint(p, p + v.size(), &out);
  return out;
}

AttributeValue Bytes(ValueType type, absl::string_view bytes) {
  AttributeValue v;
  v.type = type;
  v.bytes = bytes;
  return v;
}

}  // namespace

AttributeValue ReadAnyValue(absl::string_view body) {
  AttributeValue out;
  ForEachField(body,
               [&](uint32_t field, uint32_t wire_type, absl::string_view value, absl::string_view) {
                 switch (field) {
                   case 1:
                     if (wire_type != 2) return;
                     out = Bytes(ValueType::kString, value);
                     break;
                   case 2:
                     if (wire_type != 0) return;
                     out = Bytes(ValueType::kBool, {});
                     out.bool_value = ReadVarintValue(value) != 0;
                     break;
                   case 3:
                     if (wire_type != 0) return;
                     out = Bytes(ValueType::kInt, {});
                     out.int_value = static_cast<int64_t>(ReadVarintValue(value));
                     break;
                   case 4: {
                     if (wire_type != 1) return;
                     out = Bytes(ValueType::kDouble, {});
                     uint64_t bits = ReadFixed64(value);
                     std::memcpy(&out.double_value, &bits, sizeof(double));
                     break;
                   }
                   case 5:
                     if (wire_type != 2) return;
                     out = Bytes(ValueType::kArray, value);
                     break;
                   case 6:
                     if (wire_type != 2) return;
                     out = Bytes(ValueType::kKvList, value);
                     break;
                   case 7:
                     if (wire_type != 2) return;
                     out = Bytes(ValueType::kBytes, value);
                     break;
                   default:
                     break;
                 }
               });
  return out;
}

std::string AttributeValue::ToString() const {
  switch (type) {
    case ValueType::kString:
      return std::string(bytes);
    case ValueType::kBool:
      return bool_value ? "true" : "false";
    case ValueType::kInt:
      return absl::StrCat(int_value);
    case ValueType::kDouble:
      return absl::StrCat(double_value);
    default:
      return "";
  }
}

namespace internal {

void ReadKeyValue(absl::string_view body, absl::string_view* key, AttributeValue* value) {
  ForEachField(body,
               [&](uint32_t field, uint32_t wire_type, absl::string_view v, absl::string_view) {
                 if (wire_type != 2) return;
                 if (field == 1) *key = v;
                 if (field == 2) *value = ReadAnyValue(v);
               });
}

}  // namespace internal

std::optional<AttributeValue> FindKeyValue(absl::string_view body, uint32_t field,
                                           absl::string_view key) {
  std::optional<AttributeValue> found;
  ForEachField(body, [&](uint32_t f, uint32_t wire_type, absl::string_view kv, absl::string_view) {
    if (f != field || wire_type != 2) return true;
    // Compare the key before reading the value; KeyValue's key is nearly always its first and
    // only field 1, but the last occurrence is the one that counts.
    absl::string_view k, value;
    bool has_value = false;
    ForEachField(kv, [&](uint32_t kf, uint32_t kwt, absl::string_view v, absl::string_view) {
      if (kwt != 2) return;
      if (kf == 1) k = v;
      if (kf == 2) {
        value = v;
        has_value = true;
      }
    });
    if (k != key) return true;
    found = has_value ? ReadAnyValue(value) : AttributeValue();
    return false;
  });
  return found;
}

}  // namespace weir::otlp::wire
