#include "bench/workload/workload.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace weir::loadgen {
namespace {

// splitmix64's finaliser. Every step is invertible, so it is a bijection on 64-bit values:
// distinct inputs give distinct ids.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Positions within a request occupy the low 20 bits of an id's input (spans_per_request is at
// most 10^6 < 2^20), the request number the rest.
constexpr int kPositionBits = 20;

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix(state_);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // True with probability `percent` / 100.
  bool Percent(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

class Ids {
 public:
  Ids(uint64_t seed, uint64_t request_number)
      : trace_key_(Mix(seed ^ 0x5452414345ULL)),
        span_key_(Mix(seed ^ 0x5350414eULL)),
        base_(request_number << kPositionBits) {}

  std::string TraceId(uint32_t trace_index) const {
    uint64_t high = NonZero(Mix(trace_key_ ^ (base_ | trace_index)));
    uint64_t low = Mix(high ^ trace_key_);
    std::string id;
    id.reserve(16);
    AppendBigEndian(high, &id);
    AppendBigEndian(low, &id);
    return id;
  }

  std::string SpanId(uint32_t span_index) const {
    std::string id;
    id.reserve(8);
    AppendBigEndian(NonZero(Mix(span_key_ ^ (base_ | span_index))), &id);
    return id;
  }

 private:
  static uint64_t NonZero(uint64_t v) { return v == 0 ? 1 : v; }
  static void AppendBigEndian(uint64_t v, std::string* out) {
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
  }

  uint64_t trace_key_;
  uint64_t span_key_;
  uint64_t base_;
};

uint64_t NowUnixNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string RandomText(Rng& rng, int size) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
  std::string text(static_cast<size_t>(size), 'x');
  uint64_t bits = 0;
  for (int i = 0; i < size; ++i) {
    if (i % 10 == 0) bits = rng.Next();
    text[static_cast<size_t>(i)] = kAlphabet[bits & 63];
    bits >>= 6;
  }
  return text;
}

void AddString(google::protobuf::RepeatedPtrField<otlp::KeyValue>* attributes,
               absl::string_view key, absl::string_view value) {
  otlp::KeyValue* kv = attributes->Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_string_value(std::string(value));
}

void AddInt(google::protobuf::RepeatedPtrField<otlp::KeyValue>* attributes, absl::string_view key,
            int64_t value) {
  otlp::KeyValue* kv = attributes->Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_int_value(value);
}

void AddBool(google::protobuf::RepeatedPtrField<otlp::KeyValue>* attributes, absl::string_view key,
             bool value) {
  otlp::KeyValue* kv = attributes->Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_bool_value(value);
}

void AddDouble(google::protobuf::RepeatedPtrField<otlp::KeyValue>* attributes,
               absl::string_view key, double value) {
  otlp::KeyValue* kv = attributes->Add();
  kv->set_key(std::string(key));
  kv->mutable_value()->set_double_value(value);
}

struct Route {
  const char* method;
  const char* route;
};

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/orders/{id}"}, {"POST", "/api/v1/orders"},
    {"GET", "/api/v1/users/{id}"},  {"GET", "/api/v1/catalog/items"},
    {"PUT", "/api/v1/cart/{id}"},   {"DELETE", "/api/v1/cart/{id}/items/{item}"},
    {"GET", "/api/v1/stock/{id}"},  {"POST", "/api/v1/payments"},
};

constexpr const char* kInternalNames[] = {"validate_order", "render_response", "serialize_json",
                                          "load_user_profile", "compute_discounts"};

constexpr const char* kServices[] = {"frontend",  "checkout", "orders", "payments",
                                     "inventory", "shipping", "users",  "catalog"};

constexpr const char* kPeers[] = {"orders.shop.svc.cluster.local", "users.shop.svc.cluster.local",
                                  "inventory.shop.svc.cluster.local",
                                  "payments.shop.svc.cluster.local"};

constexpr const char* kUserAgents[] = {"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36",
                                       "okhttp/4.12.0", "Go-http-client/1.1",
                                       "python-requests/2.31.0"};

constexpr const char* kEventNames[] = {"cache.lookup", "db.query", "retry", "message"};

constexpr int kErrorPercent = 5;

// The resource of request `request_number` (its service varies between requests).
void FillRealisticResource(const WorkloadOptions& options, uint64_t request_number, Rng& rng,
                           otlp::Resource* resource) {
  const std::string service = kServices[(request_number + options.seed) % std::size(kServices)];
  const uint64_t host = Mix(options.seed ^ request_number) % 64;
  auto* attrs = resource->mutable_attributes();
  const int limit = options.resource_attributes;
  auto want = [&] { return attrs->size() < limit; };
  if (want()) AddString(attrs, "service.name", service);
  if (want()) AddString(attrs, "service.version", "2.7.1");
  if (want())
    AddString(attrs, "host.name", absl::StrCat("ip-10-0-", host / 8, "-", host, ".ec2.internal"));
  if (want()) {
    AddString(attrs, "k8s.pod.name", absl::StrCat(service, "-6f9c7d5b8-", RandomText(rng, 5)));
  }
  if (want()) AddString(attrs, "k8s.namespace.name", "shop");
  if (want()) AddString(attrs, "telemetry.sdk.name", "opentelemetry");
  if (want()) AddString(attrs, "telemetry.sdk.language", "java");
  if (want()) AddString(attrs, "telemetry.sdk.version", "1.32.0");
  if (want()) AddString(attrs, "deployment.environment", "production");
  if (want()) AddString(attrs, "k8s.node.name", absl::StrCat("node-", host % 16));
  if (want()) AddString(attrs, "cloud.provider", "aws");
  if (want()) AddString(attrs, "cloud.region", "eu-west-1");
  if (want()) AddInt(attrs, "process.pid", static_cast<int64_t>(1000 + host));
  for (int tag = 0; want(); ++tag) {
    AddString(attrs, absl::StrCat("resource.tag.", tag), RandomText(rng, options.attribute_size));
  }
}

void AddRealisticAttributes(const WorkloadOptions& options, const Route& route, bool error,
                            Rng& rng, otlp::Span* span) {
  auto* attrs = span->mutable_attributes();
  const int limit = options.attributes;
  auto want = [&] { return attrs->size() < limit; };
  const uint64_t id = 10000 + rng.Below(90000);
  const int64_t status_code = error ? 503 : (route.method[0] == 'P' ? 201 : 200);
  if (want()) AddString(attrs, "http.method", route.method);
  if (want()) AddString(attrs, "http.route", route.route);
  if (want()) AddInt(attrs, "http.status_code", status_code);
  if (want()) {
    std::string path = absl::StrReplaceAll(
        route.route, {{"{id}", absl::StrCat(id)}, {"{item}", absl::StrCat(id % 97)}});
    AddString(attrs, "http.url", absl::StrCat("https://shop.example.com", path));
  }
  if (want()) AddString(attrs, "net.peer.name", kPeers[rng.Below(std::size(kPeers))]);
  if (want()) AddInt(attrs, "net.peer.port", 8080);
  if (want())
    AddString(attrs, "user_agent.original", kUserAgents[rng.Below(std::size(kUserAgents))]);
  if (want()) AddBool(attrs, "sampled", rng.Percent(50));
  if (want()) AddDouble(attrs, "duration.ratio", rng.Unit());
  if (options.pii_percent > 0 && want() && rng.Percent(options.pii_percent)) {
    static constexpr const char* kPii[] = {"contact ann.lee@example.org",
                                           "card 4111111111111111 charged",
                                           "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"};
    AddString(attrs, "enduser.note", kPii[id % std::size(kPii)]);
  }
  for (int tag = 0; want(); ++tag) {
    AddString(attrs, absl::StrCat("tag.", tag), RandomText(rng, options.attribute_size));
  }
}

}  // namespace

void WorkloadGenerator::Generate(uint64_t request_number, int spans,
                                 otlp::ExportRequest* out) const {
  out->Clear();
  if (options_.shape == Shape::kSmall) {
    GenerateSmall(request_number, spans, out);
  } else {
    GenerateRealistic(request_number, spans, out);
  }
}

void WorkloadGenerator::GenerateRealistic(uint64_t request_number, int spans,
                                          otlp::ExportRequest* out) const {
  Rng rng(Mix(options_.seed * 0x9e3779b97f4a7c15ULL ^ request_number));
  const Ids ids(options_.seed, request_number);
  const uint64_t now = NowUnixNanos();

  otlp::ResourceSpans* resource_spans = out->add_resource_spans();
  FillRealisticResource(options_, request_number, rng, resource_spans->mutable_resource());
  resource_spans->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  otlp::ScopeSpans* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name("io.opentelemetry.tomcat-10.0");
  scope_spans->mutable_scope()->set_version("1.32.0-alpha");
  scope_spans->mutable_spans()->Reserve(spans);

  struct Timing {
    uint64_t start;
    uint64_t duration;
  };
  std::vector<Timing> timings;
  uint32_t trace_index = 0;
  for (int first = 0; first < spans; first += options_.spans_per_trace, ++trace_index) {
    const int count = std::min(options_.spans_per_trace, spans - first);
    const std::string trace_id = ids.TraceId(trace_index);
    timings.assign(static_cast<size_t>(count), Timing{});
    for (int i = 0; i < count; ++i) {
      otlp::Span* span = scope_spans->add_spans();
      span->set_trace_id(trace_id);
      span->set_span_id(ids.SpanId(static_cast<uint32_t>(first + i)));
      const Route& route = kRoutes[rng.Below(std::size(kRoutes))];
      Timing& timing = timings[static_cast<size_t>(i)];
      if (i == 0) {
        span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
        span->set_name(absl::StrCat(route.method, " ", route.route));
        timing.duration = 5'000'000 + rng.Below(295'000'000);  // 5-300 ms
        timing.start = now - 1'000'000'000 - rng.Below(1'000'000'000) - timing.duration;
      } else {
        const int parent = static_cast<int>(rng.Below(static_cast<uint64_t>(i)));
        span->set_parent_span_id(ids.SpanId(static_cast<uint32_t>(first + parent)));
        const Timing& p = timings[static_cast<size_t>(parent)];
        timing.start = p.start + rng.Below(p.duration / 2 + 1);
        timing.duration = std::max<uint64_t>(1000, p.duration / 4 + rng.Below(p.duration / 4 + 1));
        uint64_t kind_roll = rng.Below(100);
        if (kind_roll < 50) {
          span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
          span->set_name(absl::StrCat(route.method, " ", route.route));
        } else if (kind_roll < 85) {
          span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_INTERNAL);
          span->set_name(kInternalNames[rng.Below(std::size(kInternalNames))]);
        } else {
          span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
          span->set_name(absl::StrCat(route.method, " ", route.route));
        }
      }
      span->set_start_time_unix_nano(timing.start);
      span->set_end_time_unix_nano(timing.start + timing.duration);

      const bool error = rng.Percent(kErrorPercent);
      AddRealisticAttributes(options_, route, error, rng, span);

      otlp::SpanEvent* event = span->add_events();
      const char* event_name = kEventNames[rng.Below(std::size(kEventNames))];
      event->set_name(event_name);
      event->set_time_unix_nano(timing.start + rng.Below(timing.duration + 1));
      AddString(event->mutable_attributes(), "message",
                absl::StrCat(event_name, " completed in ", 10 + rng.Below(5000), "us"));

      if (error) {
        span->mutable_status()->set_code(
            opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        span->mutable_status()->set_message("upstream service unavailable (503)");
      } else {
        span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_OK);
      }
    }
  }
}

void WorkloadGenerator::GenerateSmall(uint64_t request_number, int spans,
                                      otlp::ExportRequest* out) const {
  const Ids ids(options_.seed, request_number);
  const uint64_t now = NowUnixNanos();
  otlp::ResourceSpans* resource_spans = out->add_resource_spans();
  AddString(resource_spans->mutable_resource()->mutable_attributes(), "service.name",
            "load-generator");
  otlp::ScopeSpans* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_spans()->Reserve(spans);
  const uint64_t first_span_number = request_number * static_cast<uint64_t>(spans);
  for (int i = 0; i < spans; ++i) {
    const uint32_t trace_index = static_cast<uint32_t>(i / options_.spans_per_trace);
    otlp::Span* span = scope_spans->add_spans();
    span->set_trace_id(ids.TraceId(trace_index));
    span->set_span_id(ids.SpanId(static_cast<uint32_t>(i)));
    span->set_name("load-generator-span");
    span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
    span->set_start_time_unix_nano(now - 1'000'000);
    span->set_end_time_unix_nano(now);
    AddInt(span->mutable_attributes(), "load_generator.span_seq_num",
           static_cast<int64_t>(first_span_number + static_cast<uint64_t>(i)));
    AddInt(span->mutable_attributes(), "load_generator.trace_seq_num",
           static_cast<int64_t>(
               first_span_number / static_cast<uint64_t>(options_.spans_per_trace) + trace_index));
  }
}

}  // namespace weir::loadgen
