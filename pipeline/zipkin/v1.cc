#include "pipeline/zipkin/v1.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/internal/endian.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"
#include "pipeline/otlp/json_dom.h"
#include "pipeline/otlp/utf8.h"
#include "pipeline/otlp/value_string.h"
#include "pipeline/thrift/bounded.h"
#include "pipeline/zipkin/hex.h"
#include "pipeline/zipkin/json_fields.h"
#include "zipkincore_types.h"

namespace weir::zipkin {

namespace {

namespace thrift = ::twitter::zipkin::thrift;
using json_internal::FieldReader;
using rapidjson::Value;

// A v1 span as either encoding gives it, before the conversion to v2.
struct V1Annotation {
  uint64_t timestamp = 0;
  std::string value;
  bool has_endpoint = false;
  model::Endpoint endpoint;
};

struct V1Binary {
  std::string key;
  std::string value;
  bool has_endpoint = false;
  model::Endpoint endpoint;
};

struct V1Span {
  std::string trace_id, id, parent_id, name;
  uint64_t timestamp = 0, duration = 0;
  bool debug = false;
  std::vector<V1Annotation> annotations;
  std::vector<V1Binary> binary;
};

bool IsCore(const std::string& v) {
  return v == "cs" || v == "cr" || v == "sr" || v == "ss" || v == "ms" || v == "mr";
}

bool Names(const model::Endpoint& e) { return !e.service_name().empty(); }

void ConvertV1(V1Span&& in, model::Span* out) {
  out->set_trace_id(std::move(in.trace_id));
  out->set_id(std::move(in.id));
  if (!in.parent_id.empty() && in.parent_id != out->id()) {
    out->set_parent_id(std::move(in.parent_id));
  }
  out->set_name(std::move(in.name));
  out->set_debug(in.debug);

  const V1Annotation* start = nullptr;  // the core annotation that starts the span's side
  const V1Annotation* end = nullptr;
  const model::Endpoint* local = nullptr;
  for (const V1Annotation& a : in.annotations) {
    if (!IsCore(a.value)) continue;
    if (out->kind() == model::Span::SPAN_KIND_UNSPECIFIED) {
      if (a.value == "cs" || a.value == "cr") out->set_kind(model::Span::CLIENT);
      if (a.value == "sr" || a.value == "ss") out->set_kind(model::Span::SERVER);
      if (a.value == "ms") out->set_kind(model::Span::PRODUCER);
      if (a.value == "mr") out->set_kind(model::Span::CONSUMER);
    }
    if (local == nullptr && a.has_endpoint && Names(a.endpoint)) local = &a.endpoint;
  }
  const char* start_value = nullptr;
  const char* end_value = nullptr;
  switch (out->kind()) {
    case model::Span::CLIENT:
      start_value = "cs", end_value = "cr";
      break;
    case model::Span::SERVER:
      start_value = "sr", end_value = "ss";
      break;
    case model::Span::PRODUCER:
      start_value = "ms";
      break;
    case model::Span::CONSUMER:
      start_value = "mr";
      break;
    default:
      break;
  }
  uint64_t earliest = 0, latest = 0;
  for (const V1Annotation& a : in.annotations) {
    if (start_value != nullptr && start == nullptr && a.value == start_value) start = &a;
    if (end_value != nullptr && end == nullptr && a.value == end_value) end = &a;
    if (a.timestamp != 0 && (earliest == 0 || a.timestamp < earliest)) earliest = a.timestamp;
    latest = std::max(latest, a.timestamp);
    if (local == nullptr && a.has_endpoint && Names(a.endpoint)) local = &a.endpoint;
  }
  const model::Endpoint* remote = nullptr;
  for (const V1Binary& b : in.binary) {
    const bool address = b.key == "ca" || b.key == "sa" || b.key == "ma";
    if (address && remote == nullptr && b.has_endpoint) remote = &b.endpoint;
    if (!address && local == nullptr && b.has_endpoint && Names(b.endpoint)) local = &b.endpoint;
  }
  if (local != nullptr) *out->mutable_local_endpoint() = *local;
  if (remote != nullptr) *out->mutable_remote_endpoint() = *remote;

  if (in.timestamp != 0) {
    out->set_timestamp(in.timestamp);
    out->set_duration(in.duration);
  } else if (start != nullptr && start->timestamp != 0) {
    out->set_timestamp(start->timestamp);
    if (end != nullptr && end->timestamp > start->timestamp) {
      out->set_duration(end->timestamp - start->timestamp);
    }
  } else if (earliest != 0) {
    out->set_timestamp(earliest);
    out->set_duration(latest - earliest);
  }
  for (V1Annotation& a : in.annotations) {
    if (IsCore(a.value)) continue;
    auto* annotation = out->add_annotations();
    annotation->set_timestamp(a.timestamp);
    annotation->set_value(std::move(a.value));
  }
  for (V1Binary& b : in.binary) {
    if (b.key == "ca" || b.key == "sa" || b.key == "ma") continue;
    auto* tag = out->add_tags();
    tag->set_key(std::move(b.key));
    tag->set_value(std::move(b.value));
  }
}

// --- JSON ---------------------------------------------------------------------------------

absl::Status ReadEndpoint(const FieldReader& r, const Value& object, const char* name, bool* has,
                          model::Endpoint* out) {
  return r.Endpoint(object, name, out, has);
}

absl::Status ReadJsonSpan(const FieldReader& r, const Value& span, V1Span* out) {
  if (!span.IsObject()) return r.ObjectError("expected an object");
  const Value* text;
  if (absl::Status s = r.String(span, "traceId", &text); !s.ok()) return s;
  if (text == nullptr) return r.Error("traceId", "required");
  if (!ParseHexId({text->GetString(), text->GetStringLength()}, 32, &out->trace_id)) {
    return r.Error("traceId", "expected up to 32 hex digits, not all zero");
  }
  if (absl::Status s = r.String(span, "id", &text); !s.ok()) return s;
  if (text == nullptr) return r.Error("id", "required");
  if (!ParseHexId({text->GetString(), text->GetStringLength()}, 16, &out->id)) {
    return r.Error("id", "expected up to 16 hex digits, not all zero");
  }
  if (absl::Status s = r.String(span, "parentId", &text); !s.ok()) return s;
  if (text != nullptr && text->GetStringLength() > 0 &&
      !ParseHexId({text->GetString(), text->GetStringLength()}, 16, &out->parent_id) &&
      !AllZeroHex({text->GetString(), text->GetStringLength()})) {
    return r.Error("parentId", "expected up to 16 hex digits");
  }
  if (absl::Status s = r.String(span, "name", &text); !s.ok()) return s;
  if (text != nullptr) out->name.assign(text->GetString(), text->GetStringLength());
  if (absl::Status s = r.Unsigned(span, "timestamp", &out->timestamp); !s.ok()) return s;
  if (absl::Status s = r.Unsigned(span, "duration", &out->duration); !s.ok()) return s;
  if (absl::Status s = r.Bool(span, "debug", &out->debug); !s.ok()) return s;
  if (auto it = span.FindMember("annotations"); it != span.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsArray()) return r.Error("annotations", "expected an array");
    int i = 0;
    for (const Value& a : it->value.GetArray()) {
      FieldReader inner(absl::StrCat(r.path(), ".annotations[", i++, "]"));
      if (!a.IsObject()) return inner.ObjectError("expected an object");
      V1Annotation& annotation = out->annotations.emplace_back();
      if (absl::Status s = inner.Unsigned(a, "timestamp", &annotation.timestamp); !s.ok()) {
        return s;
      }
      if (absl::Status s = inner.String(a, "value", &text); !s.ok()) return s;
      if (text == nullptr) return inner.Error("value", "required");
      annotation.value.assign(text->GetString(), text->GetStringLength());
      if (absl::Status s =
              ReadEndpoint(inner, a, "endpoint", &annotation.has_endpoint, &annotation.endpoint);
          !s.ok()) {
        return s;
      }
    }
  }
  if (auto it = span.FindMember("binaryAnnotations");
      it != span.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsArray()) return r.Error("binaryAnnotations", "expected an array");
    int i = 0;
    for (const Value& b : it->value.GetArray()) {
      FieldReader inner(absl::StrCat(r.path(), ".binaryAnnotations[", i++, "]"));
      if (!b.IsObject()) return inner.ObjectError("expected an object");
      V1Binary& binary = out->binary.emplace_back();
      if (absl::Status s = inner.String(b, "key", &text); !s.ok()) return s;
      if (text == nullptr) return inner.Error("key", "required");
      binary.key.assign(text->GetString(), text->GetStringLength());
      auto v = b.FindMember("value");
      if (v == b.MemberEnd() || v->value.IsNull()) return inner.Error("value", "required");
      const Value& value = v->value;
      if (value.IsString()) {
        if (!FieldReader::Utf8(value)) return inner.Error("value", "not valid UTF-8");
        binary.value.assign(value.GetString(), value.GetStringLength());
      } else if (value.IsBool()) {
        binary.value = value.GetBool() ? "true" : "false";
      } else if (value.IsInt64()) {
        binary.value = absl::StrCat(value.GetInt64());
      } else if (value.IsUint64()) {
        binary.value = absl::StrCat(value.GetUint64());
      } else if (value.IsDouble()) {
        binary.value = otlp::FormatDouble(value.GetDouble());
      } else {
        return inner.Error("value", "expected a string, boolean or number");
      }
      if (absl::Status s =
              ReadEndpoint(inner, b, "endpoint", &binary.has_endpoint, &binary.endpoint);
          !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

// --- Thrift -------------------------------------------------------------------------------

// The smallest zipkincore struct on the wire in the binary protocol (an Annotation with an
// empty value: an i64 field, a string field and the stop byte).
constexpr uint32_t kMinBinaryStruct = 19;
constexpr uint64_t kElementBytes = sizeof(thrift::Span);

std::string Big64(int64_t v) {
  std::string out(8, '\0');
  absl::big_endian::Store64(out.data(), static_cast<uint64_t>(v));
  return out;
}

bool Utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  return otlp::ValidUtf8(p, p + s.size());
}

absl::Status ThriftEndpoint(const thrift::Endpoint& in, model::Endpoint* out) {
  if (!Utf8(in.service_name)) return absl::InvalidArgumentError("a service name is not UTF-8");
  out->set_service_name(in.service_name);
  if (in.ipv4 != 0) {
    char bytes[4];
    absl::big_endian::Store32(bytes, static_cast<uint32_t>(in.ipv4));
    out->set_ipv4(bytes, 4);
  }
  if (in.__isset.ipv6 && in.ipv6.size() == 16) out->set_ipv6(in.ipv6);
  out->set_port(static_cast<uint16_t>(in.port));
  return absl::OkStatus();
}

// A binary annotation's value as text, by its type.
std::string BinaryValue(const thrift::BinaryAnnotation& b) {
  const std::string& v = b.value;
  auto big = [&](size_t n) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; ++i) x = x << 8 | static_cast<uint8_t>(v[i]);
    return x;
  };
  switch (b.annotation_type) {
    case thrift::AnnotationType::BOOL:
      return v.size() == 1 && v[0] == 1 ? "true" : "false";
    case thrift::AnnotationType::BYTES:
      return absl::Base64Escape(v);
    case thrift::AnnotationType::I16:
      if (v.size() < 2) break;
      return absl::StrCat(static_cast<int16_t>(big(2)));
    case thrift::AnnotationType::I32:
      if (v.size() < 4) break;
      return absl::StrCat(static_cast<int32_t>(big(4)));
    case thrift::AnnotationType::I64:
      if (v.size() < 8) break;
      return absl::StrCat(static_cast<int64_t>(big(8)));
    case thrift::AnnotationType::DOUBLE: {
      if (v.size() < 8) break;
      const uint64_t bits = big(8);
      double d;
      std::memcpy(&d, &bits, 8);
      return otlp::FormatDouble(d);
    }
    case thrift::AnnotationType::STRING:
      return v;
    default:
      return absl::StrCat("<unknown zipkin v1 binary annotation type (", b.annotation_type, ")>");
  }
  return "<not enough bytes representing the number>";
}

absl::Status ThriftSpan(thrift::Span&& in, int index, V1Span* out) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("spans[", index, "]: ", what));
  };
  out->trace_id = in.__isset.trace_id_high && in.trace_id_high != 0
                      ? Big64(in.trace_id_high) + Big64(in.trace_id)
                      : Big64(in.trace_id);
  out->id = Big64(in.id);
  if (in.__isset.parent_id && in.parent_id != 0) out->parent_id = Big64(in.parent_id);
  if (!Utf8(in.name)) return bad("name: not valid UTF-8");
  out->name = std::move(in.name);
  if (in.__isset.timestamp && in.timestamp > 0)
    out->timestamp = static_cast<uint64_t>(in.timestamp);
  if (in.__isset.duration && in.duration > 0) out->duration = static_cast<uint64_t>(in.duration);
  out->debug = in.__isset.debug && in.debug;
  for (auto& a : in.annotations) {
    V1Annotation& annotation = out->annotations.emplace_back();
    annotation.timestamp = a.timestamp > 0 ? static_cast<uint64_t>(a.timestamp) : 0;
    if (!Utf8(a.value)) return bad("an annotation is not valid UTF-8");
    annotation.value = std::move(a.value);
    if (a.__isset.host) {
      annotation.has_endpoint = true;
      if (absl::Status s = ThriftEndpoint(a.host, &annotation.endpoint); !s.ok()) {
        return bad(s.message());
      }
    }
  }
  for (auto& b : in.binary_annotations) {
    V1Binary& binary = out->binary.emplace_back();
    if (!Utf8(b.key)) return bad("a binary annotation key is not valid UTF-8");
    binary.value = BinaryValue(b);
    if (!Utf8(binary.value)) return bad(absl::StrCat("binary annotation ", b.key, ": not UTF-8"));
    binary.key = std::move(b.key);
    if (b.__isset.host) {
      binary.has_endpoint = true;
      if (absl::Status s = ThriftEndpoint(b.host, &binary.endpoint); !s.ok()) {
        return bad(s.message());
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeJsonV1(std::string_view json, size_t max_spans, model::ListOfSpans* out) {
  out->Clear();
  std::string buffer;
  rapidjson::Document doc;
  // The DOM is charged to the memory budget while it lives.
  pipeline::MemoryCharge charge = pipeline::MemoryBudget::Process().Charge(0);
  if (absl::Status s = otlp::json_internal::ParseDom(
          json, &buffer, &doc, [&](size_t bytes) { return charge.TryGrow(bytes); });
      !s.ok()) {
    return absl::IsResourceExhausted(s) ? pipeline::OverBudget("Zipkin JSON decoding") : s;
  }
  if (!doc.IsArray()) return absl::InvalidArgumentError("expected a JSON array of spans");
  if (doc.Size() > max_spans) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the request holds ", doc.Size(), " spans, more than ", max_spans));
  }
  int i = 0;
  for (const Value& span : doc.GetArray()) {
    FieldReader reader(absl::StrCat("spans[", i++, "]"));
    V1Span v1;
    if (absl::Status s = ReadJsonSpan(reader, span, &v1); !s.ok()) {
      out->Clear();
      return s;
    }
    ConvertV1(std::move(v1), out->add_spans());
  }
  return absl::OkStatus();
}

absl::Status DecodeThriftV1(std::string_view body, size_t max_spans, model::ListOfSpans* out) {
  out->Clear();
  std::vector<thrift::Span> spans;
  const absl::string_view bytes(body.data(), body.size());
  try {
    auto buffer = thrift_io::ReadBuffer(bytes);
    thrift_io::Binary p(buffer, kMinBinaryStruct, kElementBytes, thrift_io::Limit(bytes),
                        thrift_io::Limit(bytes), false, true);
    apache::thrift::protocol::TType type;
    uint32_t size = 0;
    p.readListBegin(type, size);
    if (type != apache::thrift::protocol::T_STRUCT) {
      return absl::InvalidArgumentError("expected a Thrift list of spans");
    }
    if (size > max_spans) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the request holds ", size, " spans, more than ", max_spans));
    }
    spans.resize(size);
    for (auto& span : spans) span.read(&p);
    p.readListEnd();
    if (buffer->available_read() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(buffer->available_read(), " bytes after the list of spans"));
    }
  } catch (const apache::thrift::TException& e) {
    return thrift_io::ThriftError(e);
  } catch (const std::bad_alloc&) {
    return pipeline::OverBudget("Thrift decoding");
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    V1Span v1;
    if (absl::Status s = ThriftSpan(std::move(spans[i]), static_cast<int>(i), &v1); !s.ok()) {
      out->Clear();
      return s;
    }
    ConvertV1(std::move(v1), out->add_spans());
  }
  return absl::OkStatus();
}

}  // namespace weir::zipkin
