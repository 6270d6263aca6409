// Reading untrusted Thrift (Jaeger's agent datagrams and HTTP bodies, Zipkin v1's) with Apache
// Thrift's generated readers, without letting a forged list count allocate what the input
// cannot hold.
//
//   auto buffer = thrift_io::ReadBuffer(bytes);
//   thrift_io::Binary p(buffer, kMinStructBytes, sizeof(LargestStruct), ...protocol args);
//   try { value.read(&p); } catch (const apache::thrift::TException& e) {
//     return thrift_io::ThriftError(e);
//   }
//
// Threading: a protocol object serves one thread; the functions are stateless.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/memory_budget.h"
#include "thrift/TConfiguration.h"
#include "thrift/protocol/TBinaryProtocol.h"
#include "thrift/protocol/TCompactProtocol.h"
#include "thrift/transport/TBufferTransports.h"

namespace weir::thrift_io {

using apache::thrift::transport::TMemoryBuffer;

// A read-only transport over `bytes`, whose message size limit is their size.
inline std::shared_ptr<TMemoryBuffer> ReadBuffer(absl::string_view bytes) {
  const int size = static_cast<int>(std::min<size_t>(bytes.size(), INT32_MAX - 1));
  auto config = std::make_shared<apache::thrift::TConfiguration>(size + 1);
  return std::make_shared<TMemoryBuffer>(
      reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())), static_cast<uint32_t>(size),
      TMemoryBuffer::OBSERVE, config);
}

// The most bytes a string may claim: the input's size.
inline int32_t Limit(absl::string_view bytes) {
  return static_cast<int32_t>(std::min<size_t>(std::max<size_t>(bytes.size(), 1), INT32_MAX));
}

// Thrown when the lists of one input claim more than the memory budget has room for.
struct OverBudgetError : apache::thrift::TException {
  OverBudgetError() : TException("the lists claim more memory than the budget has room for") {}
};

// Base (the compact or binary protocol) with a bound on what lists claim, checked before the
// generated readers resize a vector for them. Every list of the models read this way holds
// structs of at least `min_element_bytes` on the wire, so a list may not claim more elements
// than the bytes left can hold; and all the lists of one input together no more than the input
// could (kMaxElements at most), each element counted at `element_bytes` (the largest generated
// struct) against the process memory budget. So a forged count allocates at most
// element_bytes × input size / min_element_bytes, and only with the budget's room.
template <typename Base>
class Bounded final : public Base {
 public:
  static constexpr uint64_t kMaxElements = uint64_t{1} << 21;

  template <typename... Args>
  Bounded(std::shared_ptr<TMemoryBuffer> buffer, uint32_t min_element_bytes, uint64_t element_bytes,
          Args... args)
      : Base(buffer, args...),
        buffer_(buffer.get()),
        min_element_bytes_(min_element_bytes),
        element_bytes_(element_bytes),
        max_claimed_(
            std::min<uint64_t>(kMaxElements, buffer->available_read() / min_element_bytes + 1)) {}

  // The binary protocol hands the type byte of a field, list, set or map to its caller as a
  // TType without checking it, and the generated readers then compare it: a byte that is no
  // TType would be an out-of-range enum there. These refuse such a byte first. (The compact
  // protocol maps its type nibbles through a table that refuses unknown ones itself.)
  uint32_t readFieldBegin(std::string& name, apache::thrift::protocol::TType& type,
                          int16_t& id) {
    CheckTypeByte(0);
    return Base::readFieldBegin(name, type, id);
  }
  uint32_t readSetBegin(apache::thrift::protocol::TType& element_type, uint32_t& size) {
    CheckTypeByte(0);
    return Base::readSetBegin(element_type, size);
  }
  uint32_t readMapBegin(apache::thrift::protocol::TType& key_type,
                        apache::thrift::protocol::TType& value_type, uint32_t& size) {
    CheckTypeByte(0);
    CheckTypeByte(1);
    return Base::readMapBegin(key_type, value_type, size);
  }

  uint32_t readListBegin(apache::thrift::protocol::TType& element_type, uint32_t& size) {
    CheckTypeByte(0);
    const uint32_t n = Base::readListBegin(element_type, size);
    claimed_ += size;
    if (size > buffer_->available_read() / min_element_bytes_ + 1 || claimed_ > max_claimed_) {
      throw apache::thrift::protocol::TProtocolException(
          apache::thrift::protocol::TProtocolException::SIZE_LIMIT,
          absl::StrCat("a list claims ", size, " elements that the input cannot hold"));
    }
    if (!pipeline::MemoryBudget::Process().HasRoom(claimed_ * element_bytes_)) {
      throw OverBudgetError();
    }
    return n;
  }

 private:
  static constexpr bool kBinary =
      std::is_same_v<Base, apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>>;

  // Refuses the byte `at` bytes ahead when it is not a TType (T_STOP 0 … T_UTF16 17); binary
  // protocol only. A byte not yet in the input is left to the protocol's end-of-input error.
  void CheckTypeByte(uint32_t at) {
    if constexpr (kBinary) {
      uint32_t len = at + 1;
      const uint8_t* p = buffer_->borrow(nullptr, &len);
      if (p != nullptr && len > at && p[at] > 17) {
        throw apache::thrift::protocol::TProtocolException(
            apache::thrift::protocol::TProtocolException::INVALID_DATA,
            absl::StrCat("unknown Thrift type ", static_cast<int>(p[at])));
      }
    }
  }

  TMemoryBuffer* buffer_;
  const uint32_t min_element_bytes_;
  const uint64_t element_bytes_;
  const uint64_t max_claimed_;
  uint64_t claimed_ = 0;
};

using Compact = Bounded<apache::thrift::protocol::TCompactProtocolT<TMemoryBuffer>>;
using Binary = Bounded<apache::thrift::protocol::TBinaryProtocolT<TMemoryBuffer>>;

// The status for a decoding failure: the retryable OverBudget for OverBudgetError, else
// InvalidArgument "malformed Thrift: <what>".
inline absl::Status ThriftError(const apache::thrift::TException& e) {
  if (dynamic_cast<const OverBudgetError*>(&e) != nullptr) {
    return pipeline::OverBudget("Thrift decoding");
  }
  return absl::InvalidArgumentError(absl::StrCat("malformed Thrift: ", e.what()));
}

}  // namespace weir::thrift_io
