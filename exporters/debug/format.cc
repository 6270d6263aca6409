#include "exporters/debug/format.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace weir::exporters::debug {
namespace {

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

std::string Attributes(const google::protobuf::RepeatedPtrField<otlp::KeyValue>& attrs,
                       absl::string_view indent) {
  std::string out;
  for (const auto& kv : attrs) {
    absl::StrAppend(&out, indent, "-> ", kv.key(), ": ", FormatAnyValue(kv.value()), "\n");
  }
  return out;
}

absl::string_view KindName(int kind) {
  static constexpr absl::string_view kNames[] = {"Unspecified", "Internal", "Server",
                                                 "Client",      "Producer", "Consumer"};
  return kind >= 0 && kind < 6 ? kNames[kind] : "Unknown";
}

absl::string_view StatusName(int code) {
  static constexpr absl::string_view kNames[] = {"Unset", "Ok", "Error"};
  return code >= 0 && code < 3 ? kNames[code] : "Unknown";
}

std::string ServiceName(const otlp::ResourceSpans& rs) {
  for (const auto& kv : rs.resource().attributes())
    if (kv.key() == "service.name") return FormatAnyValue(kv.value());
  return "";
}

}  // namespace

std::string FormatAnyValue(const otlp::AnyValue& v) {
  switch (v.value_case()) {
    case otlp::AnyValue::kStringValue:
      return v.string_value();
    case otlp::AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case otlp::AnyValue::kIntValue:
      return absl::StrCat(v.int_value());
    case otlp::AnyValue::kDoubleValue:
      return absl::StrCat(v.double_value());
    case otlp::AnyValue::kBytesValue:
      return Hex(v.bytes_value());
    case otlp::AnyValue::kArrayValue: {
      std::vector<std::string> items;
      for (const auto& item : v.array_value().values()) items.push_back(FormatAnyValue(item));
      return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
    }
    case otlp::AnyValue::kKvlistValue: {
      std::vector<std::string> items;
      for (const auto& kv : v.kvlist_value().values())
        items.push_back(absl::StrCat(kv.key(), ":", FormatAnyValue(kv.value())));
      return absl::StrCat("{", absl::StrJoin(items, ", "), "}");
    }
    case otlp::AnyValue::VALUE_NOT_SET:
      return "";
  }
  return "";
}

std::string FormatBatch(const pipeline::TraceBatch& batch, Verbosity verbosity) {
  std::string out = absl::StrCat("Traces: resource spans: ", batch.ResourceCount(),
                                 ", spans: ", batch.span_count(), "\n");
  if (verbosity == Verbosity::kBasic) return out;

  size_t r = 0;
  batch.ForEachResourceSpans([&](const otlp::ResourceSpans& rs) {
    if (verbosity == Verbosity::kNormal) {
      absl::StrAppend(&out, "ResourceSpans #", r, " service.name=", ServiceName(rs), "\n");
    } else {
      absl::StrAppend(&out, "ResourceSpans #", r, "\nResource SchemaURL: ", rs.schema_url(),
                      "\nResource attributes:\n", Attributes(rs.resource().attributes(), "     "));
    }
    size_t s = 0;
    for (const auto& ss : rs.scope_spans()) {
      absl::StrAppend(&out, "ScopeSpans #", s, " ", ss.scope().name(), " ", ss.scope().version(),
                      "\n");
      if (verbosity == Verbosity::kDetailed) {
        absl::StrAppend(&out, "ScopeSpans SchemaURL: ", ss.schema_url(), "\n",
                        Attributes(ss.scope().attributes(), "     "));
      }
      size_t i = 0;
      for (const auto& span : ss.spans()) {
        if (verbosity == Verbosity::kNormal) {
          absl::StrAppend(&out, "  ", span.name(), " trace_id=", Hex(span.trace_id()),
                          " span_id=", Hex(span.span_id()), " kind=", KindName(span.kind()),
                          " status=", StatusName(span.status().code()), "\n");
          continue;
        }
        absl::StrAppend(&out, "Span #", i++, "\n", "    Trace ID       : ", Hex(span.trace_id()),
                        "\n", "    Parent ID      : ", Hex(span.parent_span_id()), "\n",
                        "    ID             : ", Hex(span.span_id()), "\n",
                        "    Name           : ", span.name(), "\n",
                        "    Kind           : ", KindName(span.kind()), "\n",
                        "    Start time     : ", span.start_time_unix_nano(), "\n",
                        "    End time       : ", span.end_time_unix_nano(), "\n",
                        "    Status code    : ", StatusName(span.status().code()), "\n",
                        "    Status message : ", span.status().message(), "\n");
        if (span.attributes_size() > 0) {
          absl::StrAppend(&out, "Attributes:\n", Attributes(span.attributes(), "     "));
        }
        for (int e = 0; e < span.events_size(); ++e) {
          const auto& ev = span.events(e);
          absl::StrAppend(&out, "Events:\nSpanEvent #", e, "\n     -> Name: ", ev.name(),
                          "\n     -> Timestamp: ", ev.time_unix_nano(), "\n",
                          Attributes(ev.attributes(), "     "));
        }
        for (int l = 0; l < span.links_size(); ++l) {
          const auto& link = span.links(l);
          absl::StrAppend(
              &out, "Links:\nSpanLink #", l, "\n     -> Trace ID: ", Hex(link.trace_id()),
              "\n     -> ID: ", Hex(link.span_id()), "\n", Attributes(link.attributes(), "     "));
        }
      }
      ++s;
    }
    ++r;
  });
  return out;
}

}  // namespace weir::exporters::debug
