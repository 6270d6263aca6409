#include "pipeline/zipkin/json_v2.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"
#include "pipeline/otlp/json_dom.h"
#include "pipeline/otlp/utf8.h"
#include "pipeline/zipkin/hex.h"
#include "pipeline/zipkin/json_fields.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace weir::zipkin {

namespace {

using json_internal::FieldReader;
using rapidjson::Value;

// Reads spans into a SpanList whose views point into the parsed (in-situ) text. Each object's
// members are visited once, in their order.
class SpanReader : public FieldReader {
 public:
  using FieldReader::FieldReader;

  absl::Status Read(const Value& span, SpanList* list) const {
    if (!span.IsObject()) return ObjectError("expected an object");
    SpanView& out = list->spans.emplace_back();
    out.tags_begin = out.tags_end = static_cast<uint32_t>(list->tags.size());
    out.annotations_begin = out.annotations_end = static_cast<uint32_t>(list->annotations.size());
    bool has_trace_id = false, has_id = false;
    for (const auto& m : span.GetObject()) {
      const absl::string_view name(m.name.GetString(), m.name.GetStringLength());
      const Value& v = m.value;
      absl::string_view text;
      size_t size = 0;
      if (name == "traceId") {
        if (absl::Status s = Str(v, "traceId", &text); !s.ok()) return s;
        if (!ParseHexIdTo({text.data(), text.size()}, 32, out.trace_id, &size)) {
          return Error("traceId",
                       text.empty() ? "required" : "expected up to 32 hex digits, not all zero");
        }
        out.trace_id_size = static_cast<uint8_t>(size);
        has_trace_id = true;
      } else if (name == "id") {
        if (absl::Status s = Str(v, "id", &text); !s.ok()) return s;
        if (!ParseHexIdTo({text.data(), text.size()}, 16, out.id, &size)) {
          return Error("id",
                       text.empty() ? "required" : "expected up to 16 hex digits, not all zero");
        }
        out.id_size = 8;
        has_id = true;
      } else if (name == "parentId") {
        if (absl::Status s = Str(v, "parentId", &text); !s.ok()) return s;
        if (!text.empty()) {
          if (ParseHexIdTo({text.data(), text.size()}, 16, out.parent_id, &size)) {
            out.parent_id_size = 8;
          } else if (!AllZeroHex({text.data(), text.size()})) {
            return Error("parentId", "expected up to 16 hex digits");
          }
        }
      } else if (name == "kind") {
        if (absl::Status s = Str(v, "kind", &text); !s.ok()) return s;
        out.kind = KindOf(text);
      } else if (name == "name") {
        if (absl::Status s = Str(v, "name", &out.name); !s.ok()) return s;
      } else if (name == "timestamp") {
        if (absl::Status s = Num(v, "timestamp", &out.timestamp); !s.ok()) return s;
      } else if (name == "duration") {
        if (absl::Status s = Num(v, "duration", &out.duration); !s.ok()) return s;
      } else if (name == "debug") {
        if (absl::Status s = Flag(v, "debug", &out.debug); !s.ok()) return s;
      } else if (name == "shared") {
        if (absl::Status s = Flag(v, "shared", &out.shared); !s.ok()) return s;
      } else if (name == "localEndpoint") {
        if (absl::Status s = ReadEndpoint(v, "localEndpoint", &out.local_endpoint); !s.ok()) {
          return s;
        }
      } else if (name == "remoteEndpoint") {
        if (absl::Status s = ReadEndpoint(v, "remoteEndpoint", &out.remote_endpoint); !s.ok()) {
          return s;
        }
      } else if (name == "annotations") {
        if (absl::Status s = ReadAnnotations(v, list, &out); !s.ok()) return s;
      } else if (name == "tags") {
        if (absl::Status s = ReadTags(v, list, &out); !s.ok()) return s;
      }
    }
    if (!has_trace_id) return Error("traceId", "required");
    if (!has_id) return Error("id", "required");
    if (out.parent_id_size == 8 && std::memcmp(out.parent_id, out.id, 8) == 0) {
      out.parent_id_size = 0;  // a parent id equal to the span's own means none
    }
    return absl::OkStatus();
  }

 private:
  static model::Span::Kind KindOf(absl::string_view text) {
    if (absl::EqualsIgnoreCase(text, "CLIENT")) return model::Span::CLIENT;
    if (absl::EqualsIgnoreCase(text, "SERVER")) return model::Span::SERVER;
    if (absl::EqualsIgnoreCase(text, "PRODUCER")) return model::Span::PRODUCER;
    if (absl::EqualsIgnoreCase(text, "CONSUMER")) return model::Span::CONSUMER;
    return model::Span::SPAN_KIND_UNSPECIFIED;
  }

  // A string value ("" for null); an error for other types or invalid UTF-8.
  absl::Status Str(const Value& v, absl::string_view field, absl::string_view* out) const {
    *out = {};
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsString()) return Error(field, "expected a string");
    if (!Utf8(v)) return Error(field, "not valid UTF-8");
    *out = absl::string_view(v.GetString(), v.GetStringLength());
    return absl::OkStatus();
  }

  // A non-negative integer (microseconds, a port); 0 for null.
  absl::Status Num(const Value& v, absl::string_view field, uint64_t* out) const {
    *out = 0;
    if (v.IsNull()) return absl::OkStatus();
    if (v.IsUint64()) {
      *out = v.GetUint64();
      return absl::OkStatus();
    }
    if (v.IsDouble() && v.GetDouble() >= 0 && v.GetDouble() < 1.8e19 &&
        std::floor(v.GetDouble()) == v.GetDouble()) {
      *out = static_cast<uint64_t>(v.GetDouble());
      return absl::OkStatus();
    }
    return Error(field, "expected a non-negative integer");
  }

  absl::Status Flag(const Value& v, absl::string_view field, bool* out) const {
    *out = false;
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsBool()) return Error(field, "expected true or false");
    *out = v.GetBool();
    return absl::OkStatus();
  }

  absl::Status ReadEndpoint(const Value& v, const char* field, EndpointView* out) const {
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsObject()) return Error(field, "expected an object");
    SpanReader inner(absl::StrCat(path(), ".", field));
    out->present = true;
    for (const auto& m : v.GetObject()) {
      const absl::string_view name(m.name.GetString(), m.name.GetStringLength());
      absl::string_view text;
      if (name == "serviceName") {
        if (absl::Status s = inner.Str(m.value, name, &out->service_name); !s.ok()) return s;
      } else if (name == "ipv4") {
        if (absl::Status s = inner.Str(m.value, name, &text); !s.ok()) return s;
        if (text.empty()) continue;
        // In-situ strings end with a NUL, as inet_pton wants.
        if (inet_pton(AF_INET, text.data(), out->ipv4) != 1) {
          return inner.Error("ipv4", "not an IPv4 address");
        }
        out->ipv4_size = 4;
      } else if (name == "ipv6") {
        if (absl::Status s = inner.Str(m.value, name, &text); !s.ok()) return s;
        if (text.empty()) continue;
        if (inet_pton(AF_INET6, text.data(), out->ipv6) != 1) {
          return inner.Error("ipv6", "not an IPv6 address");
        }
        out->ipv6_size = 16;
      } else if (name == "port") {
        uint64_t port;
        if (absl::Status s = inner.Num(m.value, name, &port); !s.ok()) return s;
        if (port > 65535) return inner.Error("port", "out of range 0-65535");
        out->port = static_cast<int32_t>(port);
      }
    }
    return absl::OkStatus();
  }

  absl::Status ReadAnnotations(const Value& v, SpanList* list, SpanView* span) const {
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsArray()) return Error("annotations", "expected an array");
    int i = 0;
    for (const Value& a : v.GetArray()) {
      SpanReader inner(absl::StrCat(path(), ".annotations[", i++, "]"));
      if (!a.IsObject()) return inner.ObjectError("expected an object");
      AnnotationView annotation;
      bool has_value = false;
      for (const auto& m : a.GetObject()) {
        const absl::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (name == "timestamp") {
          if (absl::Status s = inner.Num(m.value, name, &annotation.timestamp); !s.ok()) return s;
        } else if (name == "value") {
          if (absl::Status s = inner.Str(m.value, name, &annotation.value); !s.ok()) return s;
          has_value = !m.value.IsNull();
        }
      }
      if (annotation.timestamp == 0) return inner.Error("timestamp", "required");
      if (!has_value) return inner.Error("value", "required");
      list->annotations.push_back(annotation);
    }
    span->annotations_end = static_cast<uint32_t>(list->annotations.size());
    return absl::OkStatus();
  }

  absl::Status ReadTags(const Value& v, SpanList* list, SpanView* span) const {
    if (v.IsNull()) return absl::OkStatus();
    if (!v.IsObject()) return Error("tags", "expected an object");
    for (const auto& m : v.GetObject()) {
      if (!Utf8(m.name)) return Error("tags", "a key is not valid UTF-8");
      const absl::string_view key(m.name.GetString(), m.name.GetStringLength());
      const Value& value = m.value;
      absl::string_view text;
      if (value.IsString()) {
        if (!Utf8(value)) return Error(absl::StrCat("tags.", key), "not valid UTF-8");
        text = absl::string_view(value.GetString(), value.GetStringLength());
      } else if (value.IsBool()) {
        text = value.GetBool() ? "true" : "false";
      } else if (value.IsInt64()) {
        text = list->Own(absl::StrCat(value.GetInt64()));
      } else if (value.IsUint64()) {
        text = list->Own(absl::StrCat(value.GetUint64()));
      } else if (value.IsDouble()) {
        text = list->Own(absl::StrCat(value.GetDouble()));
      } else {
        return Error(absl::StrCat("tags.", key), "expected a string");
      }
      list->tags.push_back({key, text});
    }
    span->tags_end = static_cast<uint32_t>(list->tags.size());
    return absl::OkStatus();
  }
};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, absl::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteEndpoint(Writer& w, const char* name, const EndpointView& e) {
  char ip[INET6_ADDRSTRLEN];
  const bool v4 = e.ipv4_size == 4 && inet_ntop(AF_INET, e.ipv4, ip, sizeof ip);
  std::string ipv4 = v4 ? ip : "";
  const bool v6 = e.ipv6_size == 16 && inet_ntop(AF_INET6, e.ipv6, ip, sizeof ip);
  std::string ipv6 = v6 ? ip : "";
  if (e.service_name.empty() && ipv4.empty() && ipv6.empty() && e.port == 0) return;
  w.Key(name);
  w.StartObject();
  if (!e.service_name.empty()) {
    w.Key("serviceName");
    WriteString(w, e.service_name);
  }
  if (!ipv4.empty()) {
    w.Key("ipv4");
    WriteString(w, ipv4);
  }
  if (!ipv6.empty()) {
    w.Key("ipv6");
    WriteString(w, ipv6);
  }
  if (e.port != 0) {
    w.Key("port");
    w.Int(e.port);
  }
  w.EndObject();
}

}  // namespace

absl::Status DecodeJsonV2(std::string* json, size_t max_spans, SpanList* out) {
  out->Clear();
  rapidjson::Document doc;
  // The DOM is charged to the memory budget while it lives.
  pipeline::MemoryCharge charge = pipeline::MemoryBudget::Process().Charge(0);
  if (absl::Status s = otlp::json_internal::ParseDomInSitu(
          json, &doc, [&](size_t bytes) { return charge.TryGrow(bytes); });
      !s.ok()) {
    return absl::IsResourceExhausted(s) ? pipeline::OverBudget("Zipkin JSON decoding") : s;
  }
  if (!doc.IsArray()) return absl::InvalidArgumentError("expected a JSON array of spans");
  if (doc.Size() > max_spans) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the request holds ", doc.Size(), " spans, more than ", max_spans));
  }
  out->spans.reserve(doc.Size());
  int i = 0;
  for (const Value& span : doc.GetArray()) {
    SpanReader reader(absl::StrCat("spans[", i++, "]"));
    if (absl::Status s = reader.Read(span, out); !s.ok()) {
      out->Clear();
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeJsonV2(std::string_view json, size_t max_spans, model::ListOfSpans* out) {
  out->Clear();
  std::string buffer(json);
  SpanList list;
  if (absl::Status s = DecodeJsonV2(&buffer, max_spans, &list); !s.ok()) return s;
  list.ToModel(out);
  return absl::OkStatus();
}

std::string EncodeJsonV2(const SpanList& spans) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  std::vector<const TagView*> tags;
  for (const SpanView& s : spans.spans) {
    w.StartObject();
    w.Key("traceId");
    WriteString(w, HexId(s.trace_id_bytes()));
    w.Key("id");
    WriteString(w, HexId(s.id_bytes()));
    if (s.parent_id_size > 0) {
      w.Key("parentId");
      WriteString(w, HexId(s.parent_id_bytes()));
    }
    if (s.kind != model::Span::SPAN_KIND_UNSPECIFIED) {
      w.Key("kind");
      w.String(model::Span::Kind_Name(s.kind).c_str());
    }
    if (!s.name.empty()) {
      w.Key("name");
      WriteString(w, s.name);
    }
    if (s.timestamp != 0) {
      w.Key("timestamp");
      w.Uint64(s.timestamp);
    }
    if (s.duration != 0) {
      w.Key("duration");
      w.Uint64(s.duration);
    }
    if (s.local_endpoint.present) WriteEndpoint(w, "localEndpoint", s.local_endpoint);
    if (s.remote_endpoint.present) WriteEndpoint(w, "remoteEndpoint", s.remote_endpoint);
    if (s.annotations_end > s.annotations_begin) {
      w.Key("annotations");
      w.StartArray();
      for (uint32_t i = s.annotations_begin; i < s.annotations_end; ++i) {
        w.StartObject();
        w.Key("timestamp");
        w.Uint64(spans.annotations[i].timestamp);
        w.Key("value");
        WriteString(w, spans.annotations[i].value);
        w.EndObject();
      }
      w.EndArray();
    }
    if (s.tags_end > s.tags_begin) {
      tags.clear();
      for (uint32_t i = s.tags_begin; i < s.tags_end; ++i) tags.push_back(&spans.tags[i]);
      std::stable_sort(tags.begin(), tags.end(),
                       [](const TagView* a, const TagView* b) { return a->key < b->key; });
      w.Key("tags");
      w.StartObject();
      for (size_t i = 0; i < tags.size(); ++i) {
        // Of tags with the same key only the last is written: a JSON object has one of each.
        if (i + 1 < tags.size() && tags[i + 1]->key == tags[i]->key) continue;
        WriteString(w, tags[i]->key);
        WriteString(w, tags[i]->value);
      }
      w.EndObject();
    }
    if (s.debug) {
      w.Key("debug");
      w.Bool(true);
    }
    if (s.shared) {
      w.Key("shared");
      w.Bool(true);
    }
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string EncodeJsonV2(const model::ListOfSpans& spans) {
  return EncodeJsonV2(SpanList::Of(spans));
}

}  // namespace weir::zipkin
