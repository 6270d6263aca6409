#include "tests/testing/span_generator.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace weir::testing {
namespace {

std::string Id(uint64_t value, size_t bytes) {
  std::string id(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i)
    id[bytes - 1 - i] = static_cast<char>((value >> (8 * (i % 8))) & 0xff);
  id[0] = static_cast<char>(0x80 | (value & 0x7f));  // never all zero
  return id;
}

void AddAttributes(google::protobuf::RepeatedPtrField<otlp::KeyValue>* attrs, uint64_t n) {
  auto add = [&](const std::string& key) {
    auto* kv = attrs->Add();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("http.method")->set_string_value("GET");
  add("http.route")->set_string_value(absl::StrCat("/api/v1/items/", n));
  add("http.status_code")->set_int_value(200 + static_cast<int64_t>(n % 5));
  add("big.negative")->set_int_value(-9007199254740993LL);
  add("sampled")->set_bool_value(n % 2 == 0);
  add("ratio")->set_double_value(0.25 * static_cast<double>(n));
  auto* arr = add("tags")->mutable_array_value();
  arr->add_values()->set_string_value("a");
  arr->add_values()->set_int_value(7);
  arr->add_values()->set_bool_value(true);
  auto* kvl = add("nested")->mutable_kvlist_value();
  auto* inner = kvl->add_values();
  inner->set_key("level");
  inner->mutable_value()->set_double_value(1.5);
  auto* deeper = kvl->add_values();
  deeper->set_key("list");
  deeper->mutable_value()->mutable_array_value()->add_values()->set_string_value("x");
  add("payload")->set_bytes_value(std::string("\x00\x01\xfe\xff", 4));
  add("empty");  // an AnyValue with no member set
}

}  // namespace

otlp::ExportRequest MakeRequest(int resources, int scopes, int spans, uint64_t seed) {
  otlp::ExportRequest request;
  uint64_t n = seed * 1000003;
  for (int r = 0; r < resources; ++r) {
    auto* rs = request.add_resource_spans();
    rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
    auto* resource = rs->mutable_resource();
    auto* svc = resource->add_attributes();
    svc->set_key("service.name");
    svc->mutable_value()->set_string_value(absl::StrCat("service-", seed, "-", r));
    auto* host = resource->add_attributes();
    host->set_key("host.name");
    host->mutable_value()->set_string_value("node-1");
    resource->set_dropped_attributes_count(1);
    for (int s = 0; s < scopes; ++s) {
      auto* ss = rs->add_scope_spans();
      ss->set_schema_url("https://opentelemetry.io/schemas/1.20.0");
      auto* scope = ss->mutable_scope();
      scope->set_name(absl::StrCat("lib-", s));
      scope->set_version("1.2.3");
      auto* sa = scope->add_attributes();
      sa->set_key("scope.attr");
      sa->mutable_value()->set_int_value(s);
      scope->set_dropped_attributes_count(2);
      for (int i = 0; i < spans; ++i) {
        ++n;
        auto* span = ss->add_spans();
        span->set_trace_id(Id(n / 4 + seed, 16));
        span->set_span_id(Id(n, 8));
        if (i % 3 != 0) span->set_parent_span_id(Id(n - 1, 8));
        span->set_trace_state("vendor=value");
        span->set_flags(0x101);
        span->set_name(absl::StrCat("GET /api/v1/items/", n));
        span->set_kind(static_cast<otlp::Span::SpanKind>(1 + n % 5));
        span->set_start_time_unix_nano(1700000000000000000ULL + n * 1000);
        span->set_end_time_unix_nano(1700000000000000000ULL + n * 1000 + 250000);
        AddAttributes(span->mutable_attributes(), n);
        span->set_dropped_attributes_count(3);
        auto* ev = span->add_events();
        ev->set_time_unix_nano(1700000000000000000ULL + n * 1000 + 100);
        ev->set_name("exception");
        auto* ea = ev->add_attributes();
        ea->set_key("exception.message");
        ea->mutable_value()->set_string_value("boom");
        ev->set_dropped_attributes_count(4);
        span->set_dropped_events_count(5);
        auto* link = span->add_links();
        link->set_trace_id(Id(n + 77, 16));
        link->set_span_id(Id(n + 78, 8));
        link->set_trace_state("k=v");
        auto* la = link->add_attributes();
        la->set_key("link.kind");
        la->mutable_value()->set_string_value("follows");
        link->set_dropped_attributes_count(6);
        link->set_flags(1);
        span->set_dropped_links_count(7);
        span->mutable_status()->set_code(n % 7 == 0 ? otlp::SpanStatus::STATUS_CODE_ERROR
                                                    : otlp::SpanStatus::STATUS_CODE_OK);
        span->mutable_status()->set_message(n % 7 == 0 ? "failed" : "");
      }
    }
  }
  return request;
}

pipeline::TraceBatch MakeBatch(int spans, uint64_t seed) {
  return pipeline::TraceBatch::FromRequest(MakeRequest(1, 1, spans, seed));
}

}  // namespace weir::testing
