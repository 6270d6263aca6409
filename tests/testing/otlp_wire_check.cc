#include "tests/testing/otlp_wire_check.h"

#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/unknown_field_set.h"

namespace weir::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::UnknownFieldSet;

// A minimal reader of its own, so the check shares no code with the scan it checks.
struct Reader {
  const uint8_t* p;
  const uint8_t* end;

  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && p < end; shift += 7) {
      uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  // Skips the value of a field with wire type `wt` (a group up to its end tag).
  bool Skip(uint32_t wt) {
    uint64_t v;
    switch (wt) {
      case 0:
        return Varint(&v);
      case 1:
        if (end - p < 8) return false;
        p += 8;
        return true;
      case 5:
        if (end - p < 4) return false;
        p += 4;
        return true;
      case 2:
        if (!Varint(&v) || v > static_cast<uint64_t>(end - p)) return false;
        p += v;
        return true;
      case 3:
        while (p < end) {
          uint64_t tag;
          if (!Varint(&tag)) return false;
          if ((tag & 7) == 4) return true;
          if (!Skip(static_cast<uint32_t>(tag & 7))) return false;
        }
        return false;
      default:
        return false;
    }
  }
};

uint32_t WireTypeOf(const FieldDescriptor& field) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      return 1;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      return 5;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return 2;
    case FieldDescriptor::TYPE_GROUP:
      return 3;
    default:
      return 0;
  }
}

std::string Check(absl::string_view bytes, const Descriptor& descriptor, const std::string& path) {
  Reader r{reinterpret_cast<const uint8_t*>(bytes.data()),
           reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size()};
  std::map<int, int> occurrences;           // field number → times seen
  std::map<const void*, int> oneof_member;  // oneof → the member number seen
  while (r.p < r.end) {
    uint64_t tag;
    if (!r.Varint(&tag)) return absl::StrCat(path, ": malformed");
    const int number = static_cast<int>(tag >> 3);
    const uint32_t wt = static_cast<uint32_t>(tag & 7);
    const uint8_t* value = r.p;
    if (!r.Skip(wt)) return absl::StrCat(path, ": malformed");
    const FieldDescriptor* field = descriptor.FindFieldByNumber(number);
    if (field == nullptr) continue;
    const int ordinal = occurrences[number]++;
    std::string at = absl::StrCat(path, path.empty() ? "" : ".", field->name());
    if (field->is_repeated()) absl::StrAppend(&at, "[", ordinal, "]");
    const bool packed = field->is_packable() && wt == 2;
    if (wt != WireTypeOf(*field) && !packed) {
      return absl::StrCat(at, ": wire type ", wt, " instead of ", WireTypeOf(*field));
    }
    const bool message = field->type() == FieldDescriptor::TYPE_MESSAGE;
    if (!field->is_repeated() && message && ordinal > 0) return absl::StrCat(at, ": occurs twice");
    if (const auto* oneof = field->real_containing_oneof(); oneof != nullptr) {
      auto [it, inserted] = oneof_member.try_emplace(oneof, number);
      if (!inserted && it->second != number) {
        return absl::StrCat(at, ": a second member of oneof ", oneof->name());
      }
    }
    if (message) {
      Reader body{value, r.p};
      uint64_t len = 0;
      body.Varint(&len);
      std::string inner =
          Check(absl::string_view(reinterpret_cast<const char*>(body.p), static_cast<size_t>(len)),
                *field->message_type(), at);
      if (!inner.empty()) return inner;
    }
  }
  return "";
}

std::string FindUnknown(const Message& message, const std::string& path) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  const UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    if (descriptor->FindFieldByNumber(unknown.field(i).number()) != nullptr) {
      return absl::StrCat(path, path.empty() ? "" : ".", "#", unknown.field(i).number());
    }
  }
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) continue;
    std::string at = absl::StrCat(path, path.empty() ? "" : ".", field->name());
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        std::string found = FindUnknown(reflection->GetRepeatedMessage(message, field, i),
                                        absl::StrCat(at, "[", i, "]"));
        if (!found.empty()) return found;
      }
    } else {
      std::string found = FindUnknown(reflection->GetMessage(message, field), at);
      if (!found.empty()) return found;
    }
  }
  return "";
}

}  // namespace

std::string FindAmbiguousField(absl::string_view bytes, const Descriptor* descriptor) {
  return Check(bytes, *descriptor, "");
}

std::string FindUnknownKnownField(const Message& message) { return FindUnknown(message, ""); }

}  // namespace weir::testing
