#include "pipeline/zipkin/json_v2.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
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

class SpanReader : public json_internal::FieldReader {
 public:
  using FieldReader::FieldReader;

  absl::Status Read(const Value& span, model::Span* out) const {
    if (!span.IsObject()) return ObjectError("expected an object");
    const Value* text;
    if (absl::Status s = String(span, "traceId", &text); !s.ok()) return s;
    if (text == nullptr) return Error("traceId", "required");
    std::string id;
    if (!ParseHexId({text->GetString(), text->GetStringLength()}, 32, &id)) {
      return Error("traceId", "expected up to 32 hex digits, not all zero");
    }
    out->set_trace_id(std::move(id));
    if (absl::Status s = String(span, "id", &text); !s.ok()) return s;
    if (text == nullptr) return Error("id", "required");
    if (!ParseHexId({text->GetString(), text->GetStringLength()}, 16, &id)) {
      return Error("id", "expected up to 16 hex digits, not all zero");
    }
    out->set_id(std::move(id));
    if (absl::Status s = String(span, "parentId", &text); !s.ok()) return s;
    if (text != nullptr && text->GetStringLength() > 0) {
      if (!ParseHexId({text->GetString(), text->GetStringLength()}, 16, &id)) {
        if (!AllZeroHex({text->GetString(), text->GetStringLength()})) {
          return Error("parentId", "expected up to 16 hex digits");
        }
      } else if (id != out->id()) {
        out->set_parent_id(std::move(id));
      }
    }
    if (absl::Status s = String(span, "kind", &text); !s.ok()) return s;
    if (text != nullptr) {
      const std::string kind = absl::AsciiStrToUpper({text->GetString(), text->GetStringLength()});
      if (kind == "CLIENT") out->set_kind(model::Span::CLIENT);
      if (kind == "SERVER") out->set_kind(model::Span::SERVER);
      if (kind == "PRODUCER") out->set_kind(model::Span::PRODUCER);
      if (kind == "CONSUMER") out->set_kind(model::Span::CONSUMER);
    }
    if (absl::Status s = String(span, "name", &text); !s.ok()) return s;
    if (text != nullptr) out->set_name(text->GetString(), text->GetStringLength());
    uint64_t n;
    if (absl::Status s = Unsigned(span, "timestamp", &n); !s.ok()) return s;
    out->set_timestamp(n);
    if (absl::Status s = Unsigned(span, "duration", &n); !s.ok()) return s;
    out->set_duration(n);
    bool flag;
    if (absl::Status s = Bool(span, "debug", &flag); !s.ok()) return s;
    out->set_debug(flag);
    if (absl::Status s = Bool(span, "shared", &flag); !s.ok()) return s;
    out->set_shared(flag);
    bool present;
    model::Endpoint endpoint;
    if (absl::Status s = Endpoint(span, "localEndpoint", &endpoint, &present); !s.ok()) return s;
    if (present) out->mutable_local_endpoint()->Swap(&endpoint);
    endpoint.Clear();
    if (absl::Status s = Endpoint(span, "remoteEndpoint", &endpoint, &present); !s.ok()) return s;
    if (present) out->mutable_remote_endpoint()->Swap(&endpoint);
    if (auto it = span.FindMember("annotations"); it != span.MemberEnd() && !it->value.IsNull()) {
      if (!it->value.IsArray()) return Error("annotations", "expected an array");
      int i = 0;
      for (const Value& a : it->value.GetArray()) {
        FieldReader inner(absl::StrCat(path(), ".annotations[", i++, "]"));
        if (!a.IsObject()) return inner.ObjectError("expected an object");
        auto* annotation = out->add_annotations();
        if (absl::Status s = inner.Unsigned(a, "timestamp", &n); !s.ok()) return s;
        if (n == 0) return inner.Error("timestamp", "required");
        annotation->set_timestamp(n);
        if (absl::Status s = inner.String(a, "value", &text); !s.ok()) return s;
        if (text == nullptr) return inner.Error("value", "required");
        annotation->set_value(text->GetString(), text->GetStringLength());
      }
    }
    if (auto it = span.FindMember("tags"); it != span.MemberEnd() && !it->value.IsNull()) {
      if (!it->value.IsObject()) return Error("tags", "expected an object");
      auto* tags = out->mutable_tags();
      tags->Reserve(static_cast<int>(it->value.MemberCount()));
      for (const auto& m : it->value.GetObject()) {
        std::string key(m.name.GetString(), m.name.GetStringLength());
        if (!Utf8(m.name)) return Error("tags", "a key is not valid UTF-8");
        const Value& v = m.value;
        std::string value;
        if (v.IsString()) {
          if (!Utf8(v)) return Error(absl::StrCat("tags.", key), "not valid UTF-8");
          value.assign(v.GetString(), v.GetStringLength());
        } else if (v.IsBool()) {
          value = v.GetBool() ? "true" : "false";
        } else if (v.IsInt64()) {
          value = absl::StrCat(v.GetInt64());
        } else if (v.IsUint64()) {
          value = absl::StrCat(v.GetUint64());
        } else if (v.IsDouble()) {
          value = absl::StrCat(v.GetDouble());
        } else {
          return Error(absl::StrCat("tags.", key), "expected a string");
        }
        auto* tag = tags->Add();
        tag->set_key(std::move(key));
        tag->set_value(std::move(value));
      }
    }
    return absl::OkStatus();
  }
};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteEndpoint(Writer& w, const char* name, const model::Endpoint& e) {
  char ip[INET6_ADDRSTRLEN];
  const bool v4 = e.ipv4().size() == 4 && inet_ntop(AF_INET, e.ipv4().data(), ip, sizeof ip);
  std::string ipv4 = v4 ? ip : "";
  const bool v6 = e.ipv6().size() == 16 && inet_ntop(AF_INET6, e.ipv6().data(), ip, sizeof ip);
  std::string ipv6 = v6 ? ip : "";
  if (e.service_name().empty() && ipv4.empty() && ipv6.empty() && e.port() == 0) return;
  w.Key(name);
  w.StartObject();
  if (!e.service_name().empty()) {
    w.Key("serviceName");
    WriteString(w, e.service_name());
  }
  if (!ipv4.empty()) {
    w.Key("ipv4");
    WriteString(w, ipv4);
  }
  if (!ipv6.empty()) {
    w.Key("ipv6");
    WriteString(w, ipv6);
  }
  if (e.port() != 0) {
    w.Key("port");
    w.Int(e.port());
  }
  w.EndObject();
}

}  // namespace

absl::Status DecodeJsonV2(std::string_view json, size_t max_spans, model::ListOfSpans* out) {
  out->Clear();
  std::string buffer;
  rapidjson::Document doc;
  if (absl::Status s = otlp::json_internal::ParseDom(json, &buffer, &doc); !s.ok()) return s;
  if (!doc.IsArray()) return absl::InvalidArgumentError("expected a JSON array of spans");
  if (doc.Size() > max_spans) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the request holds ", doc.Size(), " spans, more than ", max_spans));
  }
  out->mutable_spans()->Reserve(static_cast<int>(doc.Size()));
  int i = 0;
  for (const Value& span : doc.GetArray()) {
    SpanReader reader(absl::StrCat("spans[", i++, "]"));
    if (absl::Status s = reader.Read(span, out->add_spans()); !s.ok()) {
      out->Clear();
      return s;
    }
  }
  return absl::OkStatus();
}

std::string EncodeJsonV2(const model::ListOfSpans& spans) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartArray();
  std::vector<const model::Tag*> tags;
  for (const auto& s : spans.spans()) {
    w.StartObject();
    w.Key("traceId");
    WriteString(w, HexId(s.trace_id()));
    w.Key("id");
    WriteString(w, HexId(s.id()));
    if (!s.parent_id().empty()) {
      w.Key("parentId");
      WriteString(w, HexId(s.parent_id()));
    }
    if (s.kind() != model::Span::SPAN_KIND_UNSPECIFIED) {
      w.Key("kind");
      w.String(model::Span::Kind_Name(s.kind()).c_str());
    }
    if (!s.name().empty()) {
      w.Key("name");
      WriteString(w, s.name());
    }
    if (s.timestamp() != 0) {
      w.Key("timestamp");
      w.Uint64(s.timestamp());
    }
    if (s.duration() != 0) {
      w.Key("duration");
      w.Uint64(s.duration());
    }
    if (s.has_local_endpoint()) WriteEndpoint(w, "localEndpoint", s.local_endpoint());
    if (s.has_remote_endpoint()) WriteEndpoint(w, "remoteEndpoint", s.remote_endpoint());
    if (s.annotations_size() > 0) {
      w.Key("annotations");
      w.StartArray();
      for (const auto& a : s.annotations()) {
        w.StartObject();
        w.Key("timestamp");
        w.Uint64(a.timestamp());
        w.Key("value");
        WriteString(w, a.value());
        w.EndObject();
      }
      w.EndArray();
    }
    if (s.tags_size() > 0) {
      tags.clear();
      for (const auto& tag : s.tags()) tags.push_back(&tag);
      std::stable_sort(tags.begin(), tags.end(),
                       [](const auto* a, const auto* b) { return a->key() < b->key(); });
      w.Key("tags");
      w.StartObject();
      for (size_t i = 0; i < tags.size(); ++i) {
        // Of tags with the same key only the last is written: a JSON object has one of each.
        if (i + 1 < tags.size() && tags[i + 1]->key() == tags[i]->key()) continue;
        WriteString(w, tags[i]->key());
        WriteString(w, tags[i]->value());
      }
      w.EndObject();
    }
    if (s.debug()) {
      w.Key("debug");
      w.Bool(true);
    }
    if (s.shared()) {
      w.Key("shared");
      w.Bool(true);
    }
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace weir::zipkin
