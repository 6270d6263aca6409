#include "pipeline/otlp/json_dom.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"

namespace weir::otlp::json_internal {
namespace {

// In-situ parsing rewrites string contents in place (so strings need no allocation of their
// own), the iterative parser keeps nesting on the heap instead of the call stack, and numbers
// come through as text for DomBuilder to convert. RapidJSON's own UTF-8 validation is left off:
// it halves parsing speed, and Decoder::String checks only the strings that are kept.
constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;

// from_chars reports overflow and underflow alike as out of range. Underflow becomes zero, as in
// other JSON readers; this tells the two apart by the sign of the decimal magnitude.
bool IsUnderflow(std::string_view number) {
  size_t i = number.empty() || number[0] != '-' ? 0 : 1;
  int64_t integer_digits = 0;
  int64_t leading_zeros = 0;
  bool seen_point = false;
  bool seen_nonzero = false;
  for (; i < number.size() && number[i] != 'e' && number[i] != 'E'; ++i) {
    if (number[i] == '.') {
      seen_point = true;
      continue;
    }
    if (!seen_point) ++integer_digits;
    if (number[i] != '0') seen_nonzero = true;
    if (!seen_nonzero) ++leading_zeros;
  }
  int64_t exponent = 0;
  if (i + 1 < number.size()) {
    size_t start = i + 1;
    if (number[start] == '+') ++start;
    const auto [ptr, ec] =
        std::from_chars(number.data() + start, number.data() + number.size(), exponent);
    if (ec == std::errc::result_out_of_range) return number[start] == '-';
  }
  return integer_digits - leading_zeros + exponent < 0;
}

// Builds the DOM from SAX events, converting numbers itself: RapidJSON 1.1's full-precision
// strtod misreads some zeros (clz(0) turns "0.0e-30" into 1.2e-240) and its normal precision
// can be one ulp off, while std::from_chars is exact. Integers keep RapidJSON's number types,
// so IsUint64() and friends mean what they usually do.
class DomBuilder {
 public:
  DomBuilder(rapidjson::Document& doc, DomReserve reserve) : doc_(doc), reserve_(reserve) {}

  bool number_too_big() const { return number_too_big_; }
  bool over_budget() const { return over_budget_; }

  bool RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
    if (!Count()) return false;
    const char* end = str + length;
    if (std::find_if(str, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      if (*str == '-') {
        int64_t i64;
        if (std::from_chars(str, end, i64).ec == std::errc()) return doc_.Int64(i64);
      } else {
        uint64_t u64;
        if (std::from_chars(str, end, u64).ec == std::errc()) return doc_.Uint64(u64);
      }
    }
    // Fractions, exponents and integers beyond 64 bits.
    double d;
    const auto [ptr, ec] = std::from_chars(str, end, d);
    if (ec == std::errc::result_out_of_range) {
      if (!IsUnderflow({str, length})) {
        number_too_big_ = true;
        return false;
      }
      d = *str == '-' ? -0.0 : 0.0;
    }
    return doc_.Double(d);
  }

  bool Null() { return Count() && doc_.Null(); }
  bool Bool(bool b) { return Count() && doc_.Bool(b); }
  bool Int(int i) { return Count() && doc_.Int(i); }
  bool Uint(unsigned u) { return Count() && doc_.Uint(u); }
  bool Int64(int64_t i) { return Count() && doc_.Int64(i); }
  bool Uint64(uint64_t u) { return Count() && doc_.Uint64(u); }
  bool Double(double d) { return Count() && doc_.Double(d); }
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    return Count() && doc_.String(str, length, copy);
  }
  bool StartObject() { return Count() && doc_.StartObject(); }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    return Count() && doc_.Key(str, length, copy);
  }
  bool EndObject(rapidjson::SizeType count) { return doc_.EndObject(count); }
  bool StartArray() { return Count() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType count) { return doc_.EndArray(count); }

 private:
  // Counts one more value; every kDomReserveStep bytes of them are reserved first.
  bool Count() {
    if (values_++ % (kDomReserveStep / kDomValueBytes) != 0) return true;
    if (reserve_(kDomReserveStep)) return true;
    over_budget_ = true;
    return false;
  }

  rapidjson::Document& doc_;
  DomReserve reserve_;
  uint64_t values_ = 0;
  bool number_too_big_ = false;
  bool over_budget_ = false;
};

}  // namespace

absl::Status ParseDom(std::string_view json, std::string* buffer, rapidjson::Document* doc,
                      DomReserve reserve) {
  // In-situ parsing needs a mutable, NUL-terminated copy; decoded strings then stay inside it.
  buffer->assign(json);
  return ParseDomInSitu(buffer, doc, reserve);
}

absl::Status ParseDomInSitu(std::string* buffer, rapidjson::Document* doc, DomReserve reserve) {
  const std::string_view json(buffer->data(), buffer->size());
  // The bytes are checked for NUL before parsing rewrites them.
  if (const void* nul = std::memchr(json.data(), '\0', json.size()); nul != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", static_cast<const char*>(nul) - json.data(), ": ",
                     rapidjson::GetParseError_En(rapidjson::kParseErrorDocumentRootNotSingular)));
  }
  rapidjson::ParseResult result;
  bool number_too_big = false;
  bool over_budget = false;
  auto generate = [&](rapidjson::Document& d) {
    DomBuilder builder(d, reserve);
    rapidjson::InsituStringStream stream(buffer->data());
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, builder);
    number_too_big = builder.number_too_big();
    over_budget = builder.over_budget();
    return !result.IsError();
  };
  doc->Populate(generate);
  if (over_budget) {
    return absl::ResourceExhaustedError(
        "the JSON document needs more memory than the memory budget has room for");
  }
  if (result.IsError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at offset ", result.Offset(), ": ",
                     rapidjson::GetParseError_En(number_too_big ? rapidjson::kParseErrorNumberTooBig
                                                                : result.Code())));
  }
  return absl::OkStatus();
}

}  // namespace weir::otlp::json_internal
