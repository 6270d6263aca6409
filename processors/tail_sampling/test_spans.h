// Test helpers: spans of chosen traces, with the fields the sampling policies read.
#pragma once

// Tests name only the SpanSpec fields they set.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"

namespace weir::processors::tail_sampling::test {

struct SpanSpec {
  int trace = 1;   // trace id: 16 bytes ending in this number
  int span = 1;    // span id: 8 bytes ending in this number
  int parent = 0;  // 0: a root span
  uint64_t start_ns = 1'000'000'000;
  uint64_t end_ns = 1'001'000'000;  // 1 ms
  int status = 0;                   // 0 unset, 1 ok, 2 error
  std::string service = "svc";
  std::vector<otlp::KeyValue> attributes;
  std::vector<otlp::KeyValue> resource_attributes;
  std::string trace_state;
  uint32_t flags = 0;
};

inline std::string TraceId(int n) {
  std::string id(16, '\0');
  id[0] = 0x5a;
  id[14] = static_cast<char>((n >> 8) & 0xff);
  id[15] = static_cast<char>(n & 0xff);
  return id;
}

inline std::string SpanId(int n) {
  std::string id(8, '\0');
  id[0] = 0x11;
  id[6] = static_cast<char>((n >> 8) & 0xff);
  id[7] = static_cast<char>(n & 0xff);
  return id;
}

inline otlp::KeyValue Str(const std::string& k, const std::string& v) {
  otlp::KeyValue kv;
  kv.set_key(k);
  kv.mutable_value()->set_string_value(v);
  return kv;
}
inline otlp::KeyValue Int(const std::string& k, int64_t v) {
  otlp::KeyValue kv;
  kv.set_key(k);
  kv.mutable_value()->set_int_value(v);
  return kv;
}
inline otlp::KeyValue Bool(const std::string& k, bool v) {
  otlp::KeyValue kv;
  kv.set_key(k);
  kv.mutable_value()->set_bool_value(v);
  return kv;
}

// One request: a resource per span (service.name plus its resource attributes), one scope.
inline pipeline::TraceBatch Spans(const std::vector<SpanSpec>& specs) {
  otlp::ExportRequest req;
  for (const SpanSpec& s : specs) {
    auto* rs = req.add_resource_spans();
    *rs->mutable_resource()->add_attributes() = Str("service.name", s.service);
    for (const auto& kv : s.resource_attributes) *rs->mutable_resource()->add_attributes() = kv;
    auto* span = rs->add_scope_spans()->add_spans();
    span->set_trace_id(TraceId(s.trace));
    span->set_span_id(SpanId(s.span));
    if (s.parent != 0) span->set_parent_span_id(SpanId(s.parent));
    span->set_name("op");
    span->set_start_time_unix_nano(s.start_ns);
    span->set_end_time_unix_nano(s.end_ns);
    if (s.status != 0)
      span->mutable_status()->set_code(static_cast<otlp::SpanStatus::StatusCode>(s.status));
    for (const auto& kv : s.attributes) *span->add_attributes() = kv;
    if (!s.trace_state.empty()) span->set_trace_state(s.trace_state);
    if (s.flags != 0) span->set_flags(s.flags);
  }
  return pipeline::TraceBatch::FromRequest(req);
}

// The distinct trace numbers of `batch`'s spans, in order of first appearance.
inline std::vector<int> TraceNumbers(const pipeline::TraceBatch& batch) {
  std::vector<int> out;
  batch.ForEachSpanView([&](const pipeline::SpanView& s) {
    int n = (static_cast<unsigned char>(s.trace_id()[14]) << 8) |
            static_cast<unsigned char>(s.trace_id()[15]);
    if (out.empty() || std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  });
  return out;
}

}  // namespace weir::processors::tail_sampling::test
