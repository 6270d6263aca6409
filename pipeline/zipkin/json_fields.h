// Reading the fields of a Zipkin JSON object (v1 and v2 share the shapes of ids, times,
// endpoints and strings), with errors that name the object's path and the field. Internal to
// pipeline/zipkin's JSON decoders.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <arpa/inet.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/otlp/utf8.h"
#include "pipeline/zipkin/model.h"
#include "rapidjson/document.h"

namespace weir::zipkin::json_internal {

using rapidjson::Value;

class FieldReader {
 public:
  // `path` names the object in errors, e.g. "spans[3]".
  explicit FieldReader(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // InvalidArgument "<path>: <reason>".
  absl::Status ObjectError(absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", reason));
  }

  absl::Status Error(absl::string_view field, absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ".", field, ": ", reason));
  }

  // A string member, or nullptr when absent or null; an error for other types.
  absl::Status String(const Value& object, const char* name, const Value** out) const {
    *out = nullptr;
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
    if (!it->value.IsString()) return Error(name, "expected a string");
    if (!Utf8(it->value)) return Error(name, "not valid UTF-8");
    *out = &it->value;
    return absl::OkStatus();
  }

  // A non-negative integer member (microseconds, a port); 0 when absent or null.
  absl::Status Unsigned(const Value& object, const char* name, uint64_t* out) const {
    *out = 0;
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
    const Value& v = it->value;
    if (v.IsUint64()) {
      *out = v.GetUint64();
      return absl::OkStatus();
    }
    if (v.IsDouble() && v.GetDouble() >= 0 && v.GetDouble() < 1.8e19 &&
        std::floor(v.GetDouble()) == v.GetDouble()) {
      *out = static_cast<uint64_t>(v.GetDouble());
      return absl::OkStatus();
    }
    return Error(name, "expected a non-negative integer");
  }

  absl::Status Bool(const Value& object, const char* name, bool* out) const {
    *out = false;
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
    if (!it->value.IsBool()) return Error(name, "expected true or false");
    *out = it->value.GetBool();
    return absl::OkStatus();
  }

  absl::Status Endpoint(const Value& object, const char* name, model::Endpoint* out,
                        bool* present) const {
    *present = false;
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
    if (!it->value.IsObject()) return Error(name, "expected an object");
    const Value& e = it->value;
    FieldReader inner(absl::StrCat(path_, ".", name));
    const Value* text;
    if (absl::Status s = inner.String(e, "serviceName", &text); !s.ok()) return s;
    if (text != nullptr) out->set_service_name(text->GetString(), text->GetStringLength());
    if (absl::Status s = inner.String(e, "ipv4", &text); !s.ok()) return s;
    if (text != nullptr && text->GetStringLength() > 0) {
      in_addr a;
      if (inet_pton(AF_INET, text->GetString(), &a) != 1) {
        return inner.Error("ipv4", "not an IPv4 address");
      }
      out->set_ipv4(reinterpret_cast<const char*>(&a), 4);
    }
    if (absl::Status s = inner.String(e, "ipv6", &text); !s.ok()) return s;
    if (text != nullptr && text->GetStringLength() > 0) {
      in6_addr a;
      if (inet_pton(AF_INET6, text->GetString(), &a) != 1) {
        return inner.Error("ipv6", "not an IPv6 address");
      }
      out->set_ipv6(reinterpret_cast<const char*>(&a), 16);
    }
    uint64_t port;
    if (absl::Status s = inner.Unsigned(e, "port", &port); !s.ok()) return s;
    if (port > 65535) return inner.Error("port", "out of range 0-65535");
    out->set_port(static_cast<int32_t>(port));
    *present = true;
    return absl::OkStatus();
  }

  static bool Utf8(const Value& v) {
    const auto* p = reinterpret_cast<const unsigned char*>(v.GetString());
    return otlp::ValidUtf8(p, p + v.GetStringLength());
  }

 private:
  std::string path_;
};

}  // namespace weir::zipkin::json_internal
