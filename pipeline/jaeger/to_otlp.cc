#include "pipeline/jaeger/to_otlp.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pipeline/jaeger/span_kind.h"

namespace weir::jaeger {

namespace {

using Attributes = google::protobuf::RepeatedPtrField<otlp::KeyValue>;
using Tags = google::protobuf::RepeatedPtrField<model::KeyValue>;

void TagToAttribute(model::KeyValue&& tag, otlp::KeyValue* out) {
  out->set_key(std::move(*tag.mutable_key()));
  auto* v = out->mutable_value();
  switch (tag.v_type()) {
    case ::jaeger::api_v2::STRING:
      v->set_string_value(std::move(*tag.mutable_v_str()));
      return;
    case ::jaeger::api_v2::BOOL:
      v->set_bool_value(tag.v_bool());
      return;
    case ::jaeger::api_v2::INT64:
      v->set_int_value(tag.v_int64());
      return;
    case ::jaeger::api_v2::FLOAT64:
      v->set_double_value(tag.v_float64());
      return;
    case ::jaeger::api_v2::BINARY:
      v->set_bytes_value(std::move(*tag.mutable_v_binary()));
      return;
    default:
      v->set_string_value(absl::StrCat("<Unknown Jaeger TagType ", tag.v_type(), ">"));
      return;
  }
}

// Removes every attribute whose key appears again later, so the last one wins (as otelcol's
// map puts do); OTLP forbids duplicate keys.
void RemoveDuplicateKeys(Attributes* attributes) {
  const int n = attributes->size();
  if (n < 2) return;
  std::vector<bool> drop(n, false);
  bool any = false;
  if (n <= 16) {
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n && !drop[i]; ++j) {
        if ((*attributes)[i].key() == (*attributes)[j].key()) drop[i] = any = true;
      }
    }
  } else {
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = n - 1; i >= 0; --i) {
      if (!seen.insert((*attributes)[i].key()).second) drop[i] = any = true;
    }
  }
  if (!any) return;
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    if (!drop[i]) {
      if (kept != i) attributes->SwapElements(kept, i);
      ++kept;
    }
  }
  attributes->DeleteSubrange(kept, n - kept);
}

void TagsToAttributes(Tags* tags, Attributes* out) {
  out->Reserve(out->size() + tags->size());
  for (auto& tag : *tags) TagToAttribute(std::move(tag), out->Add());
  RemoveDuplicateKeys(out);
}

// The index of the attribute named `key`, or -1.
int Find(const Attributes& attributes, absl::string_view key) {
  for (int i = 0; i < attributes.size(); ++i) {
    if (attributes[i].key() == key) return i;
  }
  return -1;
}

// Removes and returns the attribute named `key` (its value as text when it is a string).
bool Take(Attributes* attributes, absl::string_view key, otlp::AnyValue* value) {
  const int i = Find(*attributes, key);
  if (i < 0) return false;
  *value = std::move(*(*attributes)[i].mutable_value());
  attributes->erase(attributes->begin() + i);
  return true;
}

std::string StringOf(const otlp::AnyValue& v) {
  if (v.has_string_value()) return v.string_value();
  if (v.has_int_value()) return absl::StrCat(v.int_value());
  if (v.has_bool_value()) return v.bool_value() ? "true" : "false";
  if (v.has_double_value()) return absl::StrCat(v.double_value());
  return "";
}

void ProcessToResource(model::Process* process, otlp::Resource* out) {
  auto* attributes = out->mutable_attributes();
  if (!process->service_name().empty() && process->service_name() != kNoServiceName) {
    auto* a = attributes->Add();
    a->set_key("service.name");
    a->mutable_value()->set_string_value(std::move(*process->mutable_service_name()));
  }
  TagsToAttributes(process->mutable_tags(), attributes);
  if (const int i = Find(*attributes, "hostname"); i >= 0 && Find(*attributes, "host.name") < 0) {
    (*attributes)[i].set_key("host.name");
  }
  if (const int i = Find(*attributes, "jaeger.version");
      i >= 0 && Find(*attributes, "opencensus.exporterversion") < 0) {
    auto& a = (*attributes)[i];
    a.set_key("opencensus.exporterversion");
    a.mutable_value()->set_string_value(absl::StrCat("Jaeger-", StringOf(a.value())));
  }
}

// An HTTP status code from a tag: an int, an integral double (Jaeger clients for JavaScript
// send every number as a double) or a decimal string.
bool HttpCode(const otlp::AnyValue& v, int64_t* code) {
  if (v.has_int_value()) {
    *code = v.int_value();
    return true;
  }
  if (v.has_double_value()) {
    const double d = v.double_value();
    if (d >= 0 && d < 1000 && d == static_cast<double>(static_cast<int64_t>(d))) {
      *code = static_cast<int64_t>(d);
      return true;
    }
    return false;
  }
  return v.has_string_value() && absl::SimpleAtoi(v.string_value(), code);
}

// The status from the error, otel.status_code and http.status_code tags (see the header).
void SetStatus(Attributes* attributes, otlp::Span* span) {
  auto code = otlp::SpanStatus::STATUS_CODE_UNSET;
  std::string message;
  bool found = false;
  otlp::AnyValue v;
  auto http_message = [&] {
    const int m = Find(*attributes, "http.status_message");
    return m >= 0 ? StringOf((*attributes)[m].value()) : std::string();
  };
  if (const int i = Find(*attributes, "error"); i >= 0 &&
                                                (*attributes)[i].value().has_bool_value() &&
                                                (*attributes)[i].value().bool_value()) {
    attributes->erase(attributes->begin() + i);
    code = otlp::SpanStatus::STATUS_CODE_ERROR;
    found = true;
    message = Take(attributes, "otel.status_description", &v) ? StringOf(v) : http_message();
  }
  if (Take(attributes, "otel.status_code", &v)) {
    if (!found) {
      found = true;
      const std::string text = absl::AsciiStrToUpper(StringOf(v));
      if (text == "OK") code = otlp::SpanStatus::STATUS_CODE_OK;
      if (text == "ERROR") code = otlp::SpanStatus::STATUS_CODE_ERROR;
      otlp::AnyValue description;
      if (Take(attributes, "otel.status_description", &description)) {
        message = StringOf(description);
      }
    }
  } else if (!found) {
    int64_t http = 0;
    if (const int i = Find(*attributes, "http.status_code");
        i >= 0 && HttpCode((*attributes)[i].value(), &http) && http >= 100 && http < 600) {
      const bool server = span->kind() == otlp::Span::SPAN_KIND_SERVER;
      if (http >= 500 || (http >= 400 && !server)) {
        found = true;
        code = otlp::SpanStatus::STATUS_CODE_ERROR;
        message = http_message();
      }
    }
  }
  if (found) {
    span->mutable_status()->set_code(code);
    span->mutable_status()->set_message(std::move(message));
  }
}

// Nanoseconds since the epoch, saturated to OTLP's range: before 1970 is 0, past 2554 the
// largest value (times from untrusted clients must not overflow).
uint64_t UnixNano(const google::protobuf::Timestamp& t) {
  const __int128 ns = static_cast<__int128>(t.seconds()) * 1000000000 + t.nanos();
  if (ns < 0) return 0;
  if (ns > static_cast<__int128>(UINT64_MAX)) return UINT64_MAX;
  return static_cast<uint64_t>(ns);
}

// start + duration, saturated the same way.
uint64_t EndNano(uint64_t start, const google::protobuf::Duration& d) {
  const __int128 end =
      static_cast<__int128>(start) + static_cast<__int128>(d.seconds()) * 1000000000 + d.nanos();
  if (end < 0) return 0;
  if (end > static_cast<__int128>(UINT64_MAX)) return UINT64_MAX;
  return static_cast<uint64_t>(end);
}

// A 16-byte OTLP trace id from a Jaeger one of 8 or 16 bytes.
std::string TraceId(std::string&& id) {
  if (id.size() == 8) return std::string(8, '\0') + id;
  return std::move(id);
}

absl::Status CheckIds(const model::Batch& batch) {
  auto check = [](const std::string& id, bool trace, int span, absl::string_view field) {
    const bool ok = trace ? (id.size() == 8 || id.size() == 16) : id.size() == 8;
    if (ok) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("spans[", span, "].", field, ": ", id.size(), " bytes; a ",
                     trace ? "trace id has 8 or 16" : "span id has 8"));
  };
  for (int i = 0; i < batch.spans_size(); ++i) {
    const auto& s = batch.spans(i);
    if (auto st = check(s.trace_id(), true, i, "trace_id"); !st.ok()) return st;
    if (auto st = check(s.span_id(), false, i, "span_id"); !st.ok()) return st;
    for (int r = 0; r < s.references_size(); ++r) {
      const auto& ref = s.references(r);
      if (auto st = check(ref.trace_id(), true, i, absl::StrCat("references[", r, "].trace_id"));
          !st.ok()) {
        return st;
      }
      if (auto st = check(ref.span_id(), false, i, absl::StrCat("references[", r, "].span_id"));
          !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

// Converts one span; the scope tags are taken out into *scope_name / *scope_version.
void SpanToOtlp(model::Span&& in, otlp::Span* out, std::string* scope_name,
                std::string* scope_version) {
  std::string trace_id = TraceId(std::move(*in.mutable_trace_id()));
  // The parent: the first CHILD_OF reference within the span's trace, else the first
  // FOLLOWS_FROM one (which stays a link too, as in otelcol).
  int parent = -1;
  bool parent_is_child_of = false;
  for (int r = 0; r < in.references_size() && !parent_is_child_of; ++r) {
    const auto& ref = in.references(r);
    if (TraceId(std::string(ref.trace_id())) != trace_id) continue;
    if (ref.ref_type() == ::jaeger::api_v2::CHILD_OF) {
      parent = r;
      parent_is_child_of = true;
    } else if (parent < 0) {
      parent = r;
    }
  }
  if (in.flags() & 1) out->set_flags(out->flags() | 1);
  out->set_span_id(std::move(*in.mutable_span_id()));
  out->set_name(std::move(*in.mutable_operation_name()));
  const uint64_t start = UnixNano(in.start_time());
  out->set_start_time_unix_nano(start);
  out->set_end_time_unix_nano(EndNano(start, in.duration()));

  auto* attributes = out->mutable_attributes();
  TagsToAttributes(in.mutable_tags(), attributes);
  otlp::AnyValue v;
  if (Take(attributes, "span.kind", &v))
    out->set_kind(static_cast<otlp::Span::SpanKind>(SpanKindOf(StringOf(v))));
  SetStatus(attributes, out);
  if (Take(attributes, "w3c.tracestate", &v)) out->set_trace_state(StringOf(v));
  if (Take(attributes, "otel.scope.name", &v)) {
    *scope_name = StringOf(v);
    if (Take(attributes, "otel.scope.version", &v)) *scope_version = StringOf(v);
  } else if (Take(attributes, "otel.library.name", &v)) {
    *scope_name = StringOf(v);
    if (Take(attributes, "otel.library.version", &v)) *scope_version = StringOf(v);
  }

  for (auto& log : *in.mutable_logs()) {
    auto* event = out->add_events();
    event->set_time_unix_nano(UnixNano(log.timestamp()));
    TagsToAttributes(log.mutable_fields(), event->mutable_attributes());
    otlp::AnyValue name;
    if (Take(event->mutable_attributes(), "event", &name)) event->set_name(StringOf(name));
  }

  if (parent >= 0) out->set_parent_span_id(in.references(parent).span_id());
  for (int r = 0; r < in.references_size(); ++r) {
    auto& ref = *in.mutable_references(r);
    if (ref.ref_type() == ::jaeger::api_v2::CHILD_OF && parent >= 0 &&
        ref.span_id() == out->parent_span_id()) {
      continue;
    }
    auto* link = out->add_links();
    link->set_trace_id(TraceId(std::move(*ref.mutable_trace_id())));
    link->set_span_id(std::move(*ref.mutable_span_id()));
    auto* type = link->add_attributes();
    type->set_key("opentracing.ref_type");
    type->mutable_value()->set_string_value(
        ref.ref_type() == ::jaeger::api_v2::CHILD_OF ? "child_of" : "follows_from");
  }
  out->set_trace_id(std::move(trace_id));
}

// Appends the spans of one process as a ResourceSpans, grouped by scope.
void AppendResourceSpans(model::Process* process, std::vector<model::Span*>& spans,
                         otlp::ExportRequest* out) {
  auto* rs = out->add_resource_spans();
  ProcessToResource(process, rs->mutable_resource());
  // (name, version) → index in rs->scope_spans.
  absl::flat_hash_map<std::pair<std::string, std::string>, int> scopes;
  for (model::Span* span : spans) {
    // Converted on `out`'s arena (if any), then handed to its scope without a copy.
    otlp::Span* converted = google::protobuf::Arena::CreateMessage<otlp::Span>(out->GetArena());
    std::string name, version;
    SpanToOtlp(std::move(*span), converted, &name, &version);
    auto [it, added] = scopes.try_emplace({name, version}, rs->scope_spans_size());
    if (added) {
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name(std::move(name));
      ss->mutable_scope()->set_version(std::move(version));
    }
    rs->mutable_scope_spans(it->second)->mutable_spans()->AddAllocated(converted);
  }
}

}  // namespace

absl::Status BatchToResourceSpans(model::Batch&& batch, otlp::ExportRequest* out) {
  if (auto status = CheckIds(batch); !status.ok()) return status;
  if (batch.spans_size() == 0) return absl::OkStatus();
  // Spans that carry their own process, different from the batch's, are grouped by process
  // (keyed by its encoding).
  std::vector<model::Process*> processes = {batch.mutable_process()};
  std::vector<std::vector<model::Span*>> groups(1);
  absl::flat_hash_map<std::string, size_t> group_of = {{batch.process().SerializeAsString(), 0}};
  for (auto& span : *batch.mutable_spans()) {
    size_t g = 0;
    if (span.has_process()) {
      auto [it, added] = group_of.try_emplace(span.process().SerializeAsString(), groups.size());
      if (added) {
        processes.push_back(span.mutable_process());
        groups.emplace_back();
      }
      g = it->second;
    }
    groups[g].push_back(&span);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g == 0 && groups[0].empty() && groups.size() > 1) continue;
    AppendResourceSpans(processes[g], groups[g], out);
  }
  return absl::OkStatus();
}

}  // namespace weir::jaeger
