#include "pipeline/jaeger/thrift_view.h"

#include <cstring>
#include <string>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"

namespace weir::jaeger::thrift_view {

namespace {

// Thrift's type numbers (TType, as the binary protocol writes them); the compact protocol's
// type nibbles are mapped to these.
enum Type : uint8_t {
  kStop = 0,
  kTBool = 2,
  kTByte = 3,
  kTDouble = 4,
  kTI16 = 6,
  kTI32 = 8,
  kTI64 = 10,
  kTString = 11,
  kTStruct = 12,
  kTMap = 13,
  kTSet = 14,
  kTList = 15,
};

// Thrift's default recursion limit.
constexpr int kMaxDepth = 64;

// A cursor over the input with a sticky error: after the first failure every read returns a
// zero value and the loops that check ok() stop. Protocol-specific reads are in the two
// subclasses below; Reader<Protocol> is the struct reader on top.
class Cursor {
 public:
  explicit Cursor(absl::string_view in)
      : begin_(reinterpret_cast<const uint8_t*>(in.data())), p_(begin_), end_(begin_ + in.size()) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }

  void Fail(absl::string_view what) {
    if (ok()) error_ = absl::StrCat(what, ", at byte ", p_ - begin_);
  }

 protected:
  // The next n bytes, or nullptr (and the error) when the input has fewer.
  const uint8_t* Take(size_t n) {
    if (!ok()) return nullptr;
    if (left() < n) {
      Fail("the input ends inside a value");
      return nullptr;
    }
    const uint8_t* at = p_;
    p_ += n;
    return at;
  }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && ok(); shift += 7) {
      if (p_ == end_) {
        Fail("the input ends inside a varint");
        return 0;
      }
      const uint8_t b = *p_++;
      value |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return value;
    }
    Fail("a varint longer than 10 bytes");
    return 0;
  }

  absl::string_view Bytes(uint64_t size) {
    if (size > left()) {
      Fail(absl::StrCat("a string claims ", size, " bytes that the input does not hold"));
      return {};
    }
    const uint8_t* at = Take(size);
    return at == nullptr ? absl::string_view()
                         : absl::string_view(reinterpret_cast<const char*>(at), size);
  }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  std::string error_;
};

// The compact protocol (TCompactProtocol): zigzag varints, field-id deltas, booleans in the
// field header.
class CompactIn : public Cursor {
 public:
  using Cursor::Cursor;

  // The state a struct's field headers are read in: the last field id (deltas are relative to
  // it) and the value of a boolean field, which the header carries.
  struct StructState {
    int16_t last_id = 0;
    bool pending_bool = false;
  };

  bool MessageBegin(std::string* name, int* type) {
    const uint8_t* id = Take(2);
    if (id == nullptr) return false;
    if (id[0] != 0x82) {
      Fail(absl::StrCat("protocol id ", static_cast<int>(id[0]), " is not the compact protocol's"));
      return false;
    }
    if ((id[1] & 0x1f) != 1) {
      Fail(absl::StrCat("compact protocol version ", id[1] & 0x1f, " is not 1"));
      return false;
    }
    *type = (id[1] >> 5) & 0x07;
    Varint();  // the sequence id
    absl::string_view n = String();
    name->assign(n.data(), n.size());
    return ok();
  }

  // The next field's type and id; false at the struct's end (or an error).
  bool Field(StructState* s, uint8_t* type, int16_t* id) {
    const uint8_t* b = Take(1);
    if (b == nullptr || *b == 0) return false;
    const uint8_t nibble = *b & 0x0f;
    *type = TypeOf(nibble);
    if (*type == kStop) {
      Fail(absl::StrCat("unknown compact type ", static_cast<int>(nibble)));
      return false;
    }
    if (*type == kTBool) s->pending_bool = nibble == 1;
    const int delta = *b >> 4;
    *id = delta != 0 ? static_cast<int16_t>(s->last_id + delta) : static_cast<int16_t>(Zigzag());
    s->last_id = *id;
    return ok();
  }

  bool FieldBool(const StructState& s) const { return s.pending_bool; }
  bool ElementBool() {
    const uint8_t* b = Take(1);
    return b != nullptr && *b == 1;
  }
  int64_t I64() { return Zigzag(); }
  int32_t I32() { return Zigzag32(); }
  int16_t I16() { return static_cast<int16_t>(Zigzag32()); }
  int8_t Byte() {
    const uint8_t* b = Take(1);
    return b == nullptr ? 0 : static_cast<int8_t>(*b);
  }
  double Double() {
    const uint8_t* b = Take(8);
    if (b == nullptr) return 0;
    const uint64_t bits = absl::little_endian::Load64(b);
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  absl::string_view String() {
    uint64_t size = 0;
    return Size(&size) ? Bytes(size) : absl::string_view();
  }

  // A list or set header.
  bool List(uint8_t* element_type, uint64_t* size) {
    const uint8_t* b = Take(1);
    if (b == nullptr) return false;
    *size = *b >> 4;
    if (*size == 15 && !Size(size)) return false;
    *element_type = TypeOf(*b & 0x0f);
    return Checked(*element_type);
  }
  bool Map(uint8_t* key_type, uint8_t* value_type, uint64_t* size) {
    if (!Size(size)) return false;
    if (*size == 0) return true;
    const uint8_t* b = Take(1);
    if (b == nullptr) return false;
    *key_type = TypeOf(*b >> 4);
    *value_type = TypeOf(*b & 0x0f);
    return Checked(*key_type) && Checked(*value_type);
  }

 private:
  int64_t Zigzag() {
    const uint64_t n = Varint();
    return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1);
  }
  // Thrift reads 32-bit values as a varint of any length cut to 32 bits, then unzigzags.
  int32_t Zigzag32() {
    const uint32_t n = static_cast<uint32_t>(Varint());
    return static_cast<int32_t>(n >> 1) ^ -static_cast<int32_t>(n & 1);
  }
  // A string length or collection size: a 32-bit varint that may not be negative.
  bool Size(uint64_t* size) {
    const int32_t n = static_cast<int32_t>(Varint());
    if (n < 0) Fail("a negative size");
    *size = n < 0 ? 0 : static_cast<uint64_t>(n);
    return ok();
  }

  bool Checked(uint8_t type) {
    if (type == kStop) Fail("an unknown compact type");
    return ok();
  }

  // The TType of a compact type nibble; kStop for 0 and for a nibble that is no type.
  static uint8_t TypeOf(uint8_t nibble) {
    static constexpr uint8_t kTypes[16] = {kStop,    kTBool,   kTBool,   kTByte, kTI16, kTI32,
                                           kTI64,    kTDouble, kTString, kTList, kTSet, kTMap,
                                           kTStruct, kStop,    kStop,    kStop};
    return kTypes[nibble & 0x0f];
  }
};

// The binary protocol (TBinaryProtocol): big-endian fixed-width integers. Messages are read
// with or without the version word, as Thrift's non-strict reader does.
class BinaryIn : public Cursor {
 public:
  using Cursor::Cursor;

  struct StructState {};

  bool MessageBegin(std::string* name, int* type) {
    const int32_t first = I32();
    if (!ok()) return false;
    if (first < 0) {
      if ((static_cast<uint32_t>(first) & 0xffff0000u) != 0x80010000u) {
        Fail("a binary-protocol message of an unknown version");
        return false;
      }
      *type = first & 0xff;
      absl::string_view n = String();
      name->assign(n.data(), n.size());
    } else {
      absl::string_view n = Bytes(static_cast<uint32_t>(first));
      name->assign(n.data(), n.size());
      *type = static_cast<uint8_t>(Byte());
    }
    I32();  // the sequence id
    return ok();
  }

  bool Field(StructState*, uint8_t* type, int16_t* id) {
    const uint8_t* b = Take(1);
    if (b == nullptr || *b == kStop) return false;
    *type = *b;
    if (!Checked(*type)) return false;
    *id = I16();
    return ok();
  }

  bool FieldBool(const StructState&) { return Byte() != 0; }
  bool ElementBool() { return Byte() != 0; }
  int64_t I64() {
    const uint8_t* b = Take(8);
    return b == nullptr ? 0 : static_cast<int64_t>(absl::big_endian::Load64(b));
  }
  int32_t I32() {
    const uint8_t* b = Take(4);
    return b == nullptr ? 0 : static_cast<int32_t>(absl::big_endian::Load32(b));
  }
  int16_t I16() {
    const uint8_t* b = Take(2);
    return b == nullptr ? 0 : static_cast<int16_t>(absl::big_endian::Load16(b));
  }
  int8_t Byte() {
    const uint8_t* b = Take(1);
    return b == nullptr ? 0 : static_cast<int8_t>(*b);
  }
  double Double() {
    const uint64_t bits = static_cast<uint64_t>(I64());
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  absl::string_view String() {
    const int32_t size = I32();
    if (size < 0) {
      Fail("a negative string length");
      return {};
    }
    return Bytes(static_cast<uint32_t>(size));
  }

  bool List(uint8_t* element_type, uint64_t* size) {
    *element_type = static_cast<uint8_t>(Byte());
    if (!ok() || !Checked(*element_type)) return false;
    return Size(size);
  }
  bool Map(uint8_t* key_type, uint8_t* value_type, uint64_t* size) {
    *key_type = static_cast<uint8_t>(Byte());
    *value_type = static_cast<uint8_t>(Byte());
    if (!ok() || !Checked(*key_type) || !Checked(*value_type)) return false;
    return Size(size);
  }

 private:
  bool Size(uint64_t* size) {
    const int32_t n = I32();
    if (n < 0) Fail("a negative collection size");
    *size = n < 0 ? 0 : static_cast<uint64_t>(n);
    return ok();
  }

  bool Checked(uint8_t type) {
    switch (type) {
      case kTBool:
      case kTByte:
      case kTDouble:
      case kTI16:
      case kTI32:
      case kTI64:
      case kTString:
      case kTStruct:
      case kTMap:
      case kTSet:
      case kTList:
        return true;
      default:
        Fail(absl::StrCat("unknown Thrift type ", static_cast<int>(type)));
        return false;
    }
  }
};

// The Jaeger structs over a protocol. Each Read* fills its view and reports a missing required
// field; Skip passes over any value of a type.
template <typename In>
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in), max_views_(in.size() + 1) {}

  In& in() { return in_; }

  void ReadBatch(Batch* out) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    bool has_process = false, has_spans = false;
    while (in_.Field(&s, &type, &id)) {
      if (id == 1 && type == kTStruct) {
        ReadProcess(out);
        has_process = true;
      } else if (id == 2 && type == kTList) {
        // A list read again replaces the one before, as the generated readers clear it.
        out->spans.clear();
        ReadList(sizeof(Span), [&] {
          Span span;
          ReadSpan(out, &span);
          out->spans.push_back(span);
        });
        has_spans = true;
      } else {
        Skip(type, s, 1);
      }
    }
    Required(has_process, "Batch.process");
    Required(has_spans, "Batch.spans");
  }

  // The arguments of an Agent call: field 1 of type STRUCT is the batch.
  void ReadAgentArgs(Batch* out) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    bool has_batch = false;
    while (in_.Field(&s, &type, &id)) {
      if (id == 1 && type == kTStruct) {
        ReadBatch(out);
        has_batch = true;
      } else {
        Skip(type, s, 1);
      }
    }
    if (in_.ok() && !has_batch) in_.Fail("emitBatch without its batch (field 1)");
  }

  // Set when the lists claim more than the memory budget has room for.
  bool over_budget() const { return over_budget_; }

 private:
  void Required(bool present, absl::string_view field) {
    if (in_.ok() && !present) in_.Fail(absl::StrCat(field, " is required and missing"));
  }

  // Reads a list of structs, calling read() for each element. The element type the header
  // names is not checked, as the generated readers do not check it. `view_bytes` per element is
  // counted against the views this input may make and the memory budget.
  template <typename F>
  void ReadList(size_t view_bytes, F read) {
    uint8_t type = 0;
    uint64_t size = 0;
    if (!in_.List(&type, &size)) return;
    if (size > in_.left()) {
      in_.Fail(absl::StrCat("a list claims ", size, " elements that the input cannot hold"));
      return;
    }
    claimed_ += size;
    claimed_bytes_ += size * view_bytes;
    if (claimed_ > max_views_) {
      in_.Fail("the lists claim more elements than the input can hold");
      return;
    }
    if (!pipeline::MemoryBudget::Process().HasRoom(claimed_bytes_)) {
      over_budget_ = true;
      in_.Fail("over the memory budget");
      return;
    }
    for (uint64_t i = 0; i < size && in_.ok(); ++i) read();
  }

  // A tag list (one read again replaces the one before: its elements are left unused).
  Range ReadTags(Batch* out) {
    Range r;
    r.begin = static_cast<uint32_t>(out->tags.size());
    ReadList(sizeof(Tag), [&] {
      Tag tag;
      ReadTag(&tag);
      out->tags.push_back(tag);
    });
    r.end = static_cast<uint32_t>(out->tags.size());
    return r;
  }

  void ReadTag(Tag* tag) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    bool has_key = false, has_type = false;
    while (in_.Field(&s, &type, &id)) {
      switch (id * 16 + type) {
        case 1 * 16 + kTString:
          tag->key = in_.String();
          has_key = true;
          break;
        case 2 * 16 + kTI32:
          tag->type = in_.I32();
          has_type = true;
          break;
        case 3 * 16 + kTString:
          tag->str = in_.String();
          break;
        case 4 * 16 + kTDouble:
          tag->number = in_.Double();
          break;
        case 5 * 16 + kTBool:
          tag->boolean = in_.FieldBool(s);
          break;
        case 6 * 16 + kTI64:
          tag->integer = in_.I64();
          break;
        case 7 * 16 + kTString:
          tag->bytes = in_.String();
          break;
        default:
          Skip(type, s, 3);
      }
    }
    Required(has_key, "Tag.key");
    Required(has_type, "Tag.vType");
  }

  void ReadProcess(Batch* out) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    bool has_name = false;
    while (in_.Field(&s, &type, &id)) {
      if (id == 1 && type == kTString) {
        out->service_name = in_.String();
        has_name = true;
      } else if (id == 2 && type == kTList) {
        out->process_tags = ReadTags(out);
      } else {
        Skip(type, s, 2);
      }
    }
    Required(has_name, "Process.serviceName");
  }

  void ReadRef(SpanRef* ref) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    unsigned seen = 0;
    while (in_.Field(&s, &type, &id)) {
      switch (id * 16 + type) {
        case 1 * 16 + kTI32:
          ref->type = in_.I32();
          seen |= 1;
          break;
        case 2 * 16 + kTI64:
          ref->trace_id_low = in_.I64();
          seen |= 2;
          break;
        case 3 * 16 + kTI64:
          ref->trace_id_high = in_.I64();
          seen |= 4;
          break;
        case 4 * 16 + kTI64:
          ref->span_id = in_.I64();
          seen |= 8;
          break;
        default:
          Skip(type, s, 4);
      }
    }
    Required(seen & 1, "SpanRef.refType");
    Required(seen & 2, "SpanRef.traceIdLow");
    Required(seen & 4, "SpanRef.traceIdHigh");
    Required(seen & 8, "SpanRef.spanId");
  }

  void ReadLog(Batch* out, Log* log) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    bool has_time = false, has_fields = false;
    while (in_.Field(&s, &type, &id)) {
      if (id == 1 && type == kTI64) {
        log->timestamp = in_.I64();
        has_time = true;
      } else if (id == 2 && type == kTList) {
        log->fields = ReadTags(out);
        has_fields = true;
      } else {
        Skip(type, s, 4);
      }
    }
    Required(has_time, "Log.timestamp");
    Required(has_fields, "Log.fields");
  }

  void ReadSpan(Batch* out, Span* span) {
    typename In::StructState s;
    uint8_t type = 0;
    int16_t id = 0;
    unsigned seen = 0;
    while (in_.Field(&s, &type, &id)) {
      switch (id * 16 + type) {
        case 1 * 16 + kTI64:
          span->trace_id_low = in_.I64();
          seen |= 1;
          break;
        case 2 * 16 + kTI64:
          span->trace_id_high = in_.I64();
          seen |= 2;
          break;
        case 3 * 16 + kTI64:
          span->span_id = in_.I64();
          seen |= 4;
          break;
        case 4 * 16 + kTI64:
          span->parent_span_id = in_.I64();
          seen |= 8;
          break;
        case 5 * 16 + kTString:
          span->operation_name = in_.String();
          seen |= 16;
          break;
        case 6 * 16 + kTList:
          span->references.begin = static_cast<uint32_t>(out->references.size());
          ReadList(sizeof(SpanRef), [&] {
            SpanRef ref;
            ReadRef(&ref);
            out->references.push_back(ref);
          });
          span->references.end = static_cast<uint32_t>(out->references.size());
          break;
        case 7 * 16 + kTI32:
          span->flags = in_.I32();
          seen |= 32;
          break;
        case 8 * 16 + kTI64:
          span->start_time = in_.I64();
          seen |= 64;
          break;
        case 9 * 16 + kTI64:
          span->duration = in_.I64();
          seen |= 128;
          break;
        case 10 * 16 + kTList:
          span->tags = ReadTags(out);
          break;
        case 11 * 16 + kTList: {
          // Logs hold tag lists of their own, so the span's logs are collected apart and
          // appended together: the span's Range in Batch::logs stays contiguous.
          std::vector<Log> logs;
          ReadList(sizeof(Log), [&] {
            Log log;
            ReadLog(out, &log);
            logs.push_back(log);
          });
          span->logs.begin = static_cast<uint32_t>(out->logs.size());
          out->logs.insert(out->logs.end(), logs.begin(), logs.end());
          span->logs.end = static_cast<uint32_t>(out->logs.size());
          break;
        }
        default:
          Skip(type, s, 3);
      }
    }
    Required(seen & 1, "Span.traceIdLow");
    Required(seen & 2, "Span.traceIdHigh");
    Required(seen & 4, "Span.spanId");
    Required(seen & 8, "Span.parentSpanId");
    Required(seen & 16, "Span.operationName");
    Required(seen & 32, "Span.flags");
    Required(seen & 64, "Span.startTime");
    Required(seen & 128, "Span.duration");
  }

  // Skips a field's value (a boolean field's value is in the compact protocol's header).
  void Skip(uint8_t type, const typename In::StructState& s, int depth) {
    if (type == kTBool) {
      in_.FieldBool(s);
      return;
    }
    SkipElement(type, depth);
  }

  void SkipElement(uint8_t type, int depth) {
    if (depth > kMaxDepth) {
      in_.Fail("nesting deeper than 64");
      return;
    }
    switch (type) {
      case kTBool:
        in_.ElementBool();
        return;
      case kTByte:
        in_.Byte();
        return;
      case kTI16:
        in_.I16();
        return;
      case kTI32:
        in_.I32();
        return;
      case kTI64:
        in_.I64();
        return;
      case kTDouble:
        in_.Double();
        return;
      case kTString:
        in_.String();
        return;
      case kTStruct: {
        typename In::StructState s;
        uint8_t t = 0;
        int16_t id = 0;
        while (in_.Field(&s, &t, &id)) Skip(t, s, depth + 1);
        return;
      }
      case kTList:
      case kTSet: {
        uint8_t t = 0;
        uint64_t size = 0;
        if (!in_.List(&t, &size)) return;
        if (size > in_.left()) {
          in_.Fail(absl::StrCat("a list claims ", size, " elements that the input cannot hold"));
          return;
        }
        for (uint64_t i = 0; i < size && in_.ok(); ++i) SkipElement(t, depth + 1);
        return;
      }
      case kTMap: {
        uint8_t k = 0, v = 0;
        uint64_t size = 0;
        if (!in_.Map(&k, &v, &size)) return;
        if (size > in_.left()) {
          in_.Fail(absl::StrCat("a map claims ", size, " entries that the input cannot hold"));
          return;
        }
        for (uint64_t i = 0; i < size && in_.ok(); ++i) {
          SkipElement(k, depth + 1);
          SkipElement(v, depth + 1);
        }
        return;
      }
      default:
        in_.Fail(absl::StrCat("unknown Thrift type ", static_cast<int>(type)));
    }
  }

  In in_;
  const uint64_t max_views_;
  uint64_t claimed_ = 0;
  uint64_t claimed_bytes_ = 0;
  bool over_budget_ = false;
};

template <typename In>
absl::Status Finish(Reader<In>& r) {
  if (r.over_budget()) return pipeline::OverBudget("Thrift decoding");
  if (!r.in().ok())
    return absl::InvalidArgumentError(absl::StrCat("malformed Thrift: ", r.in().error()));
  return absl::OkStatus();
}

template <typename In>
absl::Status ReadCall(absl::string_view datagram, Batch* out) {
  Reader<In> r(datagram);
  std::string name;
  int type = 0;
  if (r.in().MessageBegin(&name, &type)) {
    // 1 call, 4 one-way.
    if (type != 1 && type != 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("Thrift message type ", type, " is not a call"));
    }
    if (name == "emitZipkinBatch") {
      return absl::UnimplementedError("Agent.emitZipkinBatch (Zipkin v1 spans) is not supported");
    }
    if (name != "emitBatch") {
      return absl::InvalidArgumentError(absl::StrCat("unknown Agent method \"", name, "\""));
    }
    r.ReadAgentArgs(out);
  }
  return Finish(r);
}

}  // namespace

absl::Status ReadAgentDatagram(absl::string_view datagram, ThriftProtocol protocol, Batch* out) {
  return protocol == ThriftProtocol::kCompact ? ReadCall<CompactIn>(datagram, out)
                                              : ReadCall<BinaryIn>(datagram, out);
}

absl::Status ReadBatch(absl::string_view bytes, Batch* out) {
  Reader<BinaryIn> r(bytes);
  r.ReadBatch(out);
  return Finish(r);
}

}  // namespace weir::jaeger::thrift_view
