#include "pipeline/jaeger/thrift_to_otlp.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/internal/endian.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pipeline/jaeger/model.h"
#include "pipeline/jaeger/span_kind.h"
#include "pipeline/otlp/wire_write.h"

namespace weir::jaeger {

namespace {

using otlp::wire::AppendVarint;
using otlp::wire::BytesFieldSize;
using otlp::wire::PutBytes;
using otlp::wire::PutFixed64;
using otlp::wire::PutKeyValue;
using otlp::wire::PutStringKeyValue;
using otlp::wire::PutTag;
using otlp::wire::PutVarint;
using otlp::wire::VarintSize;
using thrift_view::Tag;
constexpr uint32_t kBytes = otlp::wire::kWireBytes;

// OTLP's enum numbers.
constexpr int kKindServer = 2;
constexpr int kStatusOk = 1;
constexpr int kStatusError = 2;

// One attribute to write: a tag, or (tag == nullptr) a string the translation made.
struct Attr {
  absl::string_view key;
  const Tag* tag = nullptr;
  absl::string_view text;
};

// The value of an attribute as the message path's StringOf renders it after TagToAttribute.
std::string StringOf(const Attr& a) {
  if (a.tag == nullptr) return std::string(a.text);
  const Tag& t = *a.tag;
  switch (t.type) {
    case thrift_view::kString:
      return std::string(t.str);
    case thrift_view::kBool:
      return t.boolean ? "true" : "false";
    case thrift_view::kLong:
      return absl::StrCat(t.integer);
    case thrift_view::kDouble:
      return absl::StrCat(t.number);
    case thrift_view::kBinary:
      return "";
    default:
      return absl::StrCat("<Unknown Jaeger TagType ", t.type, ">");
  }
}

void PutAttr(uint32_t field, const Attr& a, std::string* out) {
  if (a.tag == nullptr) return PutStringKeyValue(field, a.key, a.text, out);
  const Tag& t = *a.tag;
  char any[16];
  size_t n = 0;
  switch (t.type) {
    case thrift_view::kString:
      return PutStringKeyValue(field, a.key, t.str, out);
    case thrift_view::kBool:
      n += otlp::wire::PutVarintAt(any + n, 2, t.boolean ? 1 : 0);
      break;
    case thrift_view::kLong:
      n += otlp::wire::PutVarintAt(any + n, 3, static_cast<uint64_t>(t.integer));
      break;
    case thrift_view::kDouble: {
      any[n++] = static_cast<char>(4 << 3 | 1);
      uint64_t bits;
      std::memcpy(&bits, &t.number, 8);
      absl::little_endian::Store64(any + n, bits);
      n += 8;
      break;
    }
    case thrift_view::kBinary: {
      std::string bytes;
      PutBytes(7, t.bytes, &bytes);
      return PutKeyValue(field, a.key, bytes, out);
    }
    default:
      return PutStringKeyValue(field, a.key, StringOf(a), out);
  }
  PutKeyValue(field, a.key, absl::string_view(any, n), out);
}

// Removes every attribute whose key appears again later: the last one wins (as otelcol's map
// puts do); OTLP forbids duplicate keys.
void Dedup(std::vector<Attr>* attrs) {
  const size_t n = attrs->size();
  if (n < 2) return;
  std::vector<bool> drop(n, false);
  bool any = false;
  if (n <= 16) {
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n && !drop[i]; ++j) {
        if ((*attrs)[i].key == (*attrs)[j].key) drop[i] = any = true;
      }
    }
  } else {
    absl::flat_hash_set<absl::string_view> seen;
    for (size_t i = n; i-- > 0;) {
      if (!seen.insert((*attrs)[i].key).second) drop[i] = any = true;
    }
  }
  if (!any) return;
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!drop[i]) (*attrs)[kept++] = (*attrs)[i];
  }
  attrs->resize(kept);
}

int Find(const std::vector<Attr>& attrs, absl::string_view key) {
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (attrs[i].key == key) return static_cast<int>(i);
  }
  return -1;
}

// Removes the attribute named `key` into *a.
bool Take(std::vector<Attr>* attrs, absl::string_view key, Attr* a) {
  const int i = Find(*attrs, key);
  if (i < 0) return false;
  *a = (*attrs)[i];
  attrs->erase(attrs->begin() + i);
  return true;
}

void TagsOf(const thrift_view::Batch& batch, thrift_view::Range r, std::vector<Attr>* out) {
  out->clear();
  for (uint32_t i = r.begin; i < r.end; ++i)
    out->push_back({batch.tags[i].key, &batch.tags[i], {}});
  Dedup(out);
}

bool HttpCode(const Attr& a, int64_t* code) {
  if (a.tag == nullptr) return absl::SimpleAtoi(a.text, code);
  const Tag& t = *a.tag;
  switch (t.type) {
    case thrift_view::kLong:
      *code = t.integer;
      return true;
    case thrift_view::kDouble:
      if (t.number >= 0 && t.number < 1000 &&
          t.number == static_cast<double>(static_cast<int64_t>(t.number))) {
        *code = static_cast<int64_t>(t.number);
        return true;
      }
      return false;
    case thrift_view::kString:
      return absl::SimpleAtoi(t.str, code);
    case thrift_view::kBool:
    case thrift_view::kBinary:
      return false;
    default:  // rendered as "<Unknown Jaeger TagType …>", which is no number
      return false;
  }
}

struct Status {
  bool present = false;
  int code = 0;
  std::string message;
};

// to_otlp's SetStatus over the views.
Status StatusOf(std::vector<Attr>* attrs, int kind) {
  Status s;
  Attr v;
  auto http_message = [&] {
    const int m = Find(*attrs, "http.status_message");
    return m >= 0 ? StringOf((*attrs)[m]) : std::string();
  };
  if (const int i = Find(*attrs, "error"); i >= 0 && (*attrs)[i].tag != nullptr &&
                                           (*attrs)[i].tag->type == thrift_view::kBool &&
                                           (*attrs)[i].tag->boolean) {
    attrs->erase(attrs->begin() + i);
    s.code = kStatusError;
    s.present = true;
    s.message = Take(attrs, "otel.status_description", &v) ? StringOf(v) : http_message();
  }
  if (Take(attrs, "otel.status_code", &v)) {
    if (!s.present) {
      s.present = true;
      const std::string text = absl::AsciiStrToUpper(StringOf(v));
      if (text == "OK") s.code = kStatusOk;
      if (text == "ERROR") s.code = kStatusError;
      if (Take(attrs, "otel.status_description", &v)) s.message = StringOf(v);
    }
  } else if (!s.present) {
    int64_t http = 0;
    if (const int i = Find(*attrs, "http.status_code");
        i >= 0 && HttpCode((*attrs)[i], &http) && http >= 100 && http < 600) {
      if (http >= 500 || (http >= 400 && kind != kKindServer)) {
        s.present = true;
        s.code = kStatusError;
        s.message = http_message();
      }
    }
  }
  return s;
}

// Microseconds to OTLP's nanoseconds, saturated to its range.
uint64_t Saturated(__int128 ns) {
  if (ns < 0) return 0;
  if (ns > static_cast<__int128>(UINT64_MAX)) return UINT64_MAX;
  return static_cast<uint64_t>(ns);
}
uint64_t UnixNano(int64_t micros) { return Saturated(static_cast<__int128>(micros) * 1000); }

void PutId128(uint32_t field, int64_t high, int64_t low, std::string* out) {
  char id[16];
  absl::big_endian::Store64(id, static_cast<uint64_t>(high));
  absl::big_endian::Store64(id + 8, static_cast<uint64_t>(low));
  PutBytes(field, absl::string_view(id, 16), out);
}

void PutId64(uint32_t field, int64_t v, std::string* out) {
  char id[8];
  absl::big_endian::Store64(id, static_cast<uint64_t>(v));
  PutBytes(field, absl::string_view(id, 8), out);
}

// A reference as ThriftToModel lists them: the parentSpanId first.
struct Ref {
  bool follows_from = false;
  int64_t trace_high = 0;
  int64_t trace_low = 0;
  int64_t span_id = 0;
};

struct Scope {
  std::string name;
  std::string version;
  std::string spans;  // the encoded `spans` fields of its ScopeSpans
};

// The buffers one request's spans are written with, reused span after span.
struct Scratch {
  std::vector<Attr> attrs;
  std::vector<Attr> event_attrs;
  std::vector<Ref> refs;
  std::string span;
  std::string part;
};

// Writes the Span message's body into x.span, and its scope into *scope_name / *scope_version.
void PutSpan(const thrift_view::Batch& batch, const thrift_view::Span& in, Scratch& x,
             std::string* scope_name, std::string* scope_version) {
  // The references, as ThriftToModel makes them.
  x.refs.clear();
  if (in.parent_span_id != 0) {
    x.refs.push_back({false, in.trace_id_high, in.trace_id_low, in.parent_span_id});
  }
  for (uint32_t i = in.references.begin; i < in.references.end; ++i) {
    const thrift_view::SpanRef& r = batch.references[i];
    if (in.parent_span_id != 0 && r.type == 0 && r.span_id == in.parent_span_id &&
        r.trace_id_high == in.trace_id_high && r.trace_id_low == in.trace_id_low) {
      continue;
    }
    x.refs.push_back({r.type == 1, r.trace_id_high, r.trace_id_low, r.span_id});
  }
  // The parent: the first CHILD_OF reference within the span's trace, else the first
  // FOLLOWS_FROM one (which stays a link too).
  int parent = -1;
  for (size_t r = 0; r < x.refs.size(); ++r) {
    const Ref& ref = x.refs[r];
    if (ref.trace_high != in.trace_id_high || ref.trace_low != in.trace_id_low) continue;
    if (!ref.follows_from) {
      parent = static_cast<int>(r);
      break;
    }
    if (parent < 0) parent = static_cast<int>(r);
  }

  TagsOf(batch, in.tags, &x.attrs);
  Attr v;
  const int kind = Take(&x.attrs, "span.kind", &v) ? SpanKindOf(StringOf(v)) : 0;
  const Status status = StatusOf(&x.attrs, kind);
  std::string trace_state;
  if (Take(&x.attrs, "w3c.tracestate", &v)) trace_state = StringOf(v);
  if (Take(&x.attrs, "otel.scope.name", &v)) {
    *scope_name = StringOf(v);
    if (Take(&x.attrs, "otel.scope.version", &v)) *scope_version = StringOf(v);
  } else if (Take(&x.attrs, "otel.library.name", &v)) {
    *scope_name = StringOf(v);
    if (Take(&x.attrs, "otel.library.version", &v)) *scope_version = StringOf(v);
  }

  std::string& s = x.span;
  s.clear();
  PutId128(1, in.trace_id_high, in.trace_id_low, &s);
  PutId64(2, in.span_id, &s);
  if (!trace_state.empty()) PutBytes(3, trace_state, &s);
  if (parent >= 0) PutId64(4, x.refs[parent].span_id, &s);
  if (!in.operation_name.empty()) PutBytes(5, in.operation_name, &s);
  if (kind != 0) PutVarint(6, static_cast<uint64_t>(kind), &s);
  const uint64_t start = UnixNano(in.start_time);
  const uint64_t end =
      Saturated(static_cast<__int128>(start) + static_cast<__int128>(in.duration) * 1000);
  if (start != 0) PutFixed64(7, start, &s);
  if (end != 0) PutFixed64(8, end, &s);
  for (const Attr& a : x.attrs) PutAttr(9, a, &s);

  for (uint32_t l = in.logs.begin; l < in.logs.end; ++l) {
    const thrift_view::Log& log = batch.logs[l];
    TagsOf(batch, log.fields, &x.event_attrs);
    std::string name;
    if (Take(&x.event_attrs, "event", &v)) name = StringOf(v);
    std::string& e = x.part;
    e.clear();
    if (const uint64_t t = UnixNano(log.timestamp); t != 0) PutFixed64(1, t, &e);
    if (!name.empty()) PutBytes(2, name, &e);
    for (const Attr& a : x.event_attrs) PutAttr(3, a, &e);
    PutBytes(11, e, &s);
  }

  const int64_t parent_id = parent >= 0 ? x.refs[parent].span_id : 0;
  for (const Ref& ref : x.refs) {
    if (!ref.follows_from && parent >= 0 && ref.span_id == parent_id) continue;
    std::string& link = x.part;
    link.clear();
    PutId128(1, ref.trace_high, ref.trace_low, &link);
    PutId64(2, ref.span_id, &link);
    PutStringKeyValue(4, "opentracing.ref_type", ref.follows_from ? "follows_from" : "child_of",
                      &link);
    PutBytes(13, link, &s);
  }

  if (status.present) {
    std::string& st = x.part;
    st.clear();
    if (!status.message.empty()) PutBytes(2, status.message, &st);
    if (status.code != 0) PutVarint(3, static_cast<uint64_t>(status.code), &st);
    PutBytes(15, st, &s);
  }
  if (in.flags & 1) {
    PutTag(16, 5, &s);  // fixed32
    s.append("\x01\x00\x00\x00", 4);
  }
}

// The resource's attributes: service.name, then the process tags, with to_otlp's renames.
void PutResource(const thrift_view::Batch& batch, std::string* out) {
  std::vector<Attr> attrs;
  if (!batch.service_name.empty() && batch.service_name != kNoServiceName) {
    attrs.push_back({"service.name", nullptr, batch.service_name});
  }
  for (uint32_t i = batch.process_tags.begin; i < batch.process_tags.end; ++i) {
    attrs.push_back({batch.tags[i].key, &batch.tags[i], {}});
  }
  Dedup(&attrs);
  if (const int i = Find(attrs, "hostname"); i >= 0 && Find(attrs, "host.name") < 0) {
    attrs[i].key = "host.name";
  }
  std::string version;
  if (const int i = Find(attrs, "jaeger.version");
      i >= 0 && Find(attrs, "opencensus.exporterversion") < 0) {
    version = absl::StrCat("Jaeger-", StringOf(attrs[i]));
    attrs[i] = {"opencensus.exporterversion", nullptr, version};
  }
  std::string resource;
  for (const Attr& a : attrs) PutAttr(1, a, &resource);
  PutBytes(1, resource, out);
}

}  // namespace

void AppendOtlpRequest(const thrift_view::Batch& batch, std::string* out) {
  if (batch.spans.empty()) return;
  std::vector<Scope> scopes;
  absl::flat_hash_map<std::pair<std::string, std::string>, size_t> scope_of;
  size_t last = SIZE_MAX;
  Scratch scratch;
  std::string name, version;
  for (const thrift_view::Span& span : batch.spans) {
    name.clear();
    version.clear();
    PutSpan(batch, span, scratch, &name, &version);
    size_t at = last;
    if (at == SIZE_MAX || scopes[at].name != name || scopes[at].version != version) {
      auto [it, added] = scope_of.try_emplace({name, version}, scopes.size());
      if (added) scopes.push_back({name, version, {}});
      at = it->second;
    }
    PutBytes(2, scratch.span, &scopes[at].spans);
    last = at;
  }

  std::string head;
  PutResource(batch, &head);
  std::vector<std::string> scope_heads(scopes.size());
  size_t size = head.size();
  for (size_t i = 0; i < scopes.size(); ++i) {
    std::string scope;
    if (!scopes[i].name.empty()) PutBytes(1, scopes[i].name, &scope);
    if (!scopes[i].version.empty()) PutBytes(2, scopes[i].version, &scope);
    PutBytes(1, scope, &scope_heads[i]);
    size += BytesFieldSize(scope_heads[i].size() + scopes[i].spans.size());
  }
  PutTag(1, kBytes, out);
  AppendVarint(size, out);
  out->append(head);
  for (size_t i = 0; i < scopes.size(); ++i) {
    PutTag(2, kBytes, out);
    AppendVarint(scope_heads[i].size() + scopes[i].spans.size(), out);
    out->append(scope_heads[i]);
    out->append(scopes[i].spans);
  }
}

}  // namespace weir::jaeger
