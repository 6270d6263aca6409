#include "processors/tail_sampling/policy.h"

#include <chrono>
#include <cstring>
#include <random>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "processors/tail_sampling/test_spans.h"

namespace weir::processors::tail_sampling {
namespace {

using namespace std::chrono_literals;
using test::Bool;
using test::Int;
using test::Spans;
using test::SpanSpec;
using test::Str;
using TimePoint = pipeline::Clock::TimePoint;

auto g_bytes = std::make_shared<std::atomic<size_t>>(0);

// A trace made of `specs` (all of one trace id), as the processor would hold it.
struct Held {
  explicit Held(const std::vector<SpanSpec>& specs) {
    for (auto& part : Spans(specs).SplitChunks()) {
      chunks.push_back(std::make_shared<HeldChunk>(std::move(part), g_bytes));
      HeldChunk* c = chunks.back().get();
      for (uint32_t i = 0; i < c->batch.span_count(); ++i) trace.Add(pool, c, i);
    }
    id = test::TraceId(specs.empty() ? 1 : specs.front().trace);
  }
  TraceView view() const { return TraceView(id, trace, pool); }
  std::vector<std::shared_ptr<HeldChunk>> chunks;
  SpanPool pool;
  Trace trace;
  std::string id;
};

PolicyConfig Decode(const std::string& yaml) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load("policies: [" + yaml + "]"), "p", &d));
  EXPECT_TRUE(d.ok()) << yaml << "\n" << d.ToString();
  return cfg->policies.empty() ? PolicyConfig{} : cfg->policies[0];
}

Decision Eval(const std::string& yaml, const std::vector<SpanSpec>& specs,
              TimePoint now = TimePoint(1s)) {
  auto policy = BuildPolicy(Decode(yaml));
  Held h(specs);
  return policy->Evaluate(h.view(), now);
}

TEST(Policy, AlwaysSample) {
  EXPECT_EQ(Eval("{name: a, type: always_sample}", {{}}), Decision::kSampled);
}

TEST(Policy, LatencyFromEarliestStartToLatestEnd) {
  const std::string p = "{name: l, type: latency, latency: {threshold_ms: 500}}";
  // Two spans, each short, 600 ms apart end to end.
  SpanSpec a{.span = 1, .start_ns = 1'000'000'000, .end_ns = 1'010'000'000};
  SpanSpec b{.span = 2, .parent = 1, .start_ns = 1'590'000'000, .end_ns = 1'600'000'000};
  EXPECT_EQ(Eval(p, {a, b}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {a}), Decision::kNotSampled);
  // Exactly at the threshold samples.
  SpanSpec c{.start_ns = 1'000'000'000, .end_ns = 1'500'000'000};
  EXPECT_EQ(Eval(p, {c}), Decision::kSampled);
  const std::string upper =
      "{name: l, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 400}}";
  EXPECT_EQ(Eval(upper, {c}), Decision::kNotSampled);  // 500 ms > upper
  SpanSpec d{.start_ns = 1'000'000'000, .end_ns = 1'400'000'000};
  EXPECT_EQ(Eval(upper, {d}), Decision::kSampled);
}

TEST(Policy, StatusCode) {
  const std::string p = "{name: s, type: status_code, status_code: {status_codes: [ERROR]}}";
  EXPECT_EQ(Eval(p, {{.span = 1}, {.span = 2, .parent = 1, .status = 2}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.span = 1, .status = 1}}), Decision::kNotSampled);
  EXPECT_EQ(Eval("{name: s, type: status_code, status_code: {status_codes: [OK, UNSET]}}",
                 {{.status = 0}}),
            Decision::kSampled);
}

TEST(Policy, StringAttributeOnSpanOrResource) {
  const std::string p =
      "{name: s, type: string_attribute, string_attribute: {key: tenant, values: [a, b]}}";
  EXPECT_EQ(Eval(p, {{.attributes = {Str("tenant", "b")}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.resource_attributes = {Str("tenant", "a")}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Str("tenant", "c")}}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Int("tenant", 1)}}}), Decision::kNotSampled);
  const std::string inv =
      "{name: s, type: string_attribute, string_attribute: {key: tenant, values: [a], "
      "invert_match: true}}";
  EXPECT_EQ(Eval(inv, {{.attributes = {Str("tenant", "a")}}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(inv, {{.attributes = {Str("tenant", "z")}}}), Decision::kSampled);
  EXPECT_EQ(Eval(inv, {{}}), Decision::kSampled);  // absent everywhere: sampled
}

TEST(Policy, StringAttributeRegexIsUnanchoredAndCached) {
  const std::string p =
      "{name: s, type: string_attribute, string_attribute: {key: http.route, values: "
      "['^/api/v[0-9]+/', 'health'], enabled_regex_matching: true, cache_max_size: 2}}";
  auto policy = BuildPolicy(Decode(p));
  for (int round = 0; round < 3; ++round) {  // the second and third rounds hit the cache
    Held yes({{.attributes = {Str("http.route", "/api/v2/users")}}});
    Held also({{.attributes = {Str("http.route", "/internal/healthz")}}});
    Held no({{.attributes = {Str("http.route", "/static/app.js")}}});
    EXPECT_EQ(policy->Evaluate(yes.view(), TimePoint(1s)), Decision::kSampled);
    EXPECT_EQ(policy->Evaluate(also.view(), TimePoint(1s)), Decision::kSampled);
    EXPECT_EQ(policy->Evaluate(no.view(), TimePoint(1s)), Decision::kNotSampled);
  }
}

TEST(Policy, NumericAttributeBoundsAreInclusive) {
  const std::string p =
      "{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, "
      "min_value: 500, max_value: 599}}";
  EXPECT_EQ(Eval(p, {{.attributes = {Int("http.status_code", 500)}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Int("http.status_code", 599)}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Int("http.status_code", 600)}}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Int("http.status_code", 499)}}}), Decision::kNotSampled);
  const std::string only_min =
      "{name: n, type: numeric_attribute, numeric_attribute: {key: n, min_value: 10}}";
  EXPECT_EQ(Eval(only_min, {{.attributes = {Int("n", 1'000'000)}}}), Decision::kSampled);
  const std::string inv =
      "{name: n, type: numeric_attribute, numeric_attribute: {key: n, min_value: 1, "
      "max_value: 2, invert_match: true}}";
  EXPECT_EQ(Eval(inv, {{.attributes = {Int("n", 1)}}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(inv, {{.attributes = {Int("n", 5)}}}), Decision::kSampled);
}

TEST(Policy, BooleanAttribute) {
  const std::string p =
      "{name: b, type: boolean_attribute, boolean_attribute: {key: debug, value: true}}";
  EXPECT_EQ(Eval(p, {{.attributes = {Bool("debug", true)}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Bool("debug", false)}}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(p, {{}}), Decision::kNotSampled);
}

TEST(Policy, OttlCondition) {
  const std::string p = R"({name: o, type: ottl_condition, ottl_condition: {error_mode: ignore,
      span: ['attributes["debug"] == true', 'IsMatch(attributes["user"], "^vip-")']}})";
  EXPECT_EQ(Eval(p, {{.attributes = {Bool("debug", true)}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{}, {.span = 2, .attributes = {Str("user", "vip-7")}}}), Decision::kSampled);
  EXPECT_EQ(Eval(p, {{.attributes = {Str("user", "std-7")}}}), Decision::kNotSampled);
  // A condition that fails counts as false.
  const std::string failing = R"({name: o, type: ottl_condition,
      ottl_condition: {span: ['Substring(attributes["user"], 0, 99) == "x"']}})";
  EXPECT_EQ(Eval(failing, {{.attributes = {Str("user", "a")}}}), Decision::kNotSampled);
}

TEST(Policy, TraceStateAndFlagsAndSpanCount) {
  const std::string ts = "{name: t, type: trace_state, trace_state: {key: tier, values: [gold]}}";
  EXPECT_EQ(Eval(ts, {{.trace_state = "ot=th:8, tier=gold"}}), Decision::kSampled);
  EXPECT_EQ(Eval(ts, {{.trace_state = "tier=silver"}}), Decision::kNotSampled);
  EXPECT_EQ(Eval("{name: f, type: trace_flags}", {{.flags = 0x101}}), Decision::kSampled);
  EXPECT_EQ(Eval("{name: f, type: trace_flags}", {{.flags = 0x100}}), Decision::kNotSampled);
  const std::string sc = "{name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}";
  EXPECT_EQ(Eval(sc, {{.span = 1}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(sc, {{.span = 1}, {.span = 2, .parent = 1}}), Decision::kSampled);
  EXPECT_EQ(Eval(sc, {{.span = 1}, {.span = 2}, {.span = 3}, {.span = 4}}), Decision::kNotSampled);
}

TEST(Policy, RateLimitingIsATokenBucketOnTheClock) {
  auto policy = BuildPolicy(Decode(
      "{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10, burst_capacity: 10}}"));
  Held four({{.span = 1}, {.span = 2}, {.span = 3}, {.span = 4}});
  TimePoint t(100s);
  EXPECT_EQ(policy->Evaluate(four.view(), t), Decision::kSampled);          // 10 → 6
  EXPECT_EQ(policy->Evaluate(four.view(), t), Decision::kSampled);          // 6 → 2
  EXPECT_EQ(policy->Evaluate(four.view(), t), Decision::kNotSampled);       // 2 < 4
  EXPECT_EQ(policy->Evaluate(four.view(), t + 200ms), Decision::kSampled);  // 2 + 2 = 4 → 0
  EXPECT_EQ(policy->Evaluate(four.view(), t + 10s), Decision::kSampled);    // refilled to 10
}

TEST(Policy, RateLimitingBurstDefaultsToTwiceTheRate) {
  auto policy =
      BuildPolicy(Decode("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 2}}"));
  Held four({{.span = 1}, {.span = 2}, {.span = 3}, {.span = 4}});
  Held five({{.span = 1}, {.span = 2}, {.span = 3}, {.span = 4}, {.span = 5}});
  EXPECT_EQ(policy->Evaluate(five.view(), TimePoint(1s)), Decision::kNotSampled);  // > burst
  EXPECT_EQ(policy->Evaluate(four.view(), TimePoint(1s)), Decision::kSampled);
}

TEST(Policy, BytesLimitingCountsEncodedSpanBytes) {
  Held one(std::vector<SpanSpec>{SpanSpec{}});
  const size_t size = one.trace.byte_size;
  auto policy =
      BuildPolicy(Decode("{name: b, type: bytes_limiting, bytes_limiting: "
                         "{bytes_per_second: " +
                         std::to_string(size) + "}}"));
  TimePoint t(5s);
  // The default burst is twice the rate: two traces at once, not three.
  EXPECT_EQ(policy->Evaluate(one.view(), t), Decision::kSampled);
  EXPECT_EQ(policy->Evaluate(one.view(), t), Decision::kSampled);
  EXPECT_EQ(policy->Evaluate(one.view(), t), Decision::kNotSampled);
}

TEST(Policy, AndNotDrop) {
  const std::string both =
      "{name: a, type: and, and: {and_sub_policy: ["
      "{name: e, type: status_code, status_code: {status_codes: [ERROR]}},"
      "{name: s, type: string_attribute, string_attribute: {key: env, values: [prod]}}]}}";
  EXPECT_EQ(Eval(both, {{.status = 2, .attributes = {Str("env", "prod")}}}), Decision::kSampled);
  EXPECT_EQ(Eval(both, {{.status = 2, .attributes = {Str("env", "dev")}}}), Decision::kNotSampled);
  const std::string negate =
      "{name: n, type: not, not: {not_sub_policy: "
      "{name: e, type: status_code, status_code: {status_codes: [ERROR]}}}}";
  EXPECT_EQ(Eval(negate, {{.status = 2}}), Decision::kNotSampled);
  EXPECT_EQ(Eval(negate, {{.status = 1}}), Decision::kSampled);
  const std::string drop =
      "{name: d, type: drop, drop: {drop_sub_policy: ["
      "{name: h, type: string_attribute, string_attribute: {key: http.route, values: [/health]}}"
      "]}}";
  EXPECT_EQ(Eval(drop, {{.attributes = {Str("http.route", "/health")}}}), Decision::kDropped);
  EXPECT_EQ(Eval(drop, {{.attributes = {Str("http.route", "/api")}}}), Decision::kNotSampled);
}

TEST(Policy, CompositeAllocatesRatesInPolicyOrder) {
  const std::string p =
      "{name: c, type: composite, composite: {max_total_spans_per_second: 10, "
      "policy_order: [errors, rest], composite_sub_policy: ["
      "{name: errors, type: status_code, status_code: {status_codes: [ERROR]}},"
      "{name: rest, type: always_sample}], "
      "rate_allocation: [{policy: errors, percent: 60}, {policy: rest, percent: 40}]}}";
  auto policy = BuildPolicy(Decode(p));
  Held error({{.span = 1, .status = 2}, {.span = 2, .status = 2}, {.span = 3}});
  Held ok({{.span = 1}, {.span = 2}});
  TimePoint t(7s);
  EXPECT_EQ(policy->Evaluate(error.view(), t), Decision::kSampled);     // errors 3/6
  EXPECT_EQ(policy->Evaluate(error.view(), t), Decision::kSampled);     // errors 6/6
  EXPECT_EQ(policy->Evaluate(error.view(), t), Decision::kNotSampled);  // errors full
  EXPECT_EQ(policy->Evaluate(ok.view(), t), Decision::kSampled);        // rest 2/4
  EXPECT_EQ(policy->Evaluate(ok.view(), t), Decision::kSampled);        // rest 4/4
  EXPECT_EQ(policy->Evaluate(ok.view(), t), Decision::kNotSampled);
  EXPECT_EQ(policy->Evaluate(ok.view(), t + 1s), Decision::kSampled);  // a new second
}

TEST(Policy, CombineInOtelcolOrder) {
  using D = Decision;
  EXPECT_FALSE(Combine({}));
  EXPECT_FALSE(Combine({D::kNotSampled}));
  EXPECT_TRUE(Combine({D::kNotSampled, D::kSampled}));
  EXPECT_FALSE(Combine({D::kSampled, D::kDropped}));
  EXPECT_FALSE(Combine({D::kDropped, D::kSampled}));
}

TEST(Probabilistic, ThresholdMatchesBigFloatArithmetic) {
  EXPECT_EQ(ProbabilisticThreshold(0), 0u);
  EXPECT_EQ(ProbabilisticThreshold(100), UINT64_MAX);
  // (2^64 - 1) * 0.5 = 2^63 - 0.5, exact in 64 bits, truncated.
  EXPECT_EQ(ProbabilisticThreshold(50), (uint64_t{1} << 63) - 1);
  // 0.25 is exact too: (2^64 - 1) / 4 = 2^62 - 0.25.
  EXPECT_EQ(ProbabilisticThreshold(25), (uint64_t{1} << 62) - 1);
}

TEST(Probabilistic, HashIsFnv1a64OfSaltThenTraceId) {
  // FNV-1a 64 of the empty string is the offset basis; of "a" is a published test vector.
  EXPECT_EQ(ProbabilisticHash("", ""), 0xcbf29ce484222325ull);
  EXPECT_EQ(ProbabilisticHash("a", ""), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(ProbabilisticHash("", "a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(ProbabilisticHash("foobar", ""), 0x85944171f73967e8ull);
  EXPECT_EQ(ProbabilisticHash("foo", "bar"), 0x85944171f73967e8ull);
}

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// Verdicts of otelcol's probabilistic policy for fixed ids, computed independently from its Go
// code (FNV-1a 64 of salt + id; big.Float threshold).
TEST(Probabilistic, KnownVerdicts) {
  EXPECT_EQ(ProbabilisticThreshold(10), 0x19999999999999ffull);
  EXPECT_EQ(ProbabilisticThreshold(33), 0x547ae147ae147bffull);
  EXPECT_EQ(ProbabilisticThreshold(99.9), 0xffbe76c8b4395fffull);
  const std::string a = Hex("0102030405060708090a0b0c0d0e0f10");
  const std::string f = Hex("ffffffffffffffffffffffffffffffff");
  EXPECT_EQ(ProbabilisticHash("default-hash-seed", a), 0xdbcf64d5420f4cadull);
  EXPECT_EQ(ProbabilisticHash("default-hash-seed", f), 0x17bec3739634fe2dull);
  EXPECT_EQ(ProbabilisticHash("test-salt", a), 0x08ee52deda923930ull);
  EXPECT_EQ(ProbabilisticHash("test-salt", Hex("fefefefefefefefefe80000000000000")),
            0x5e07e6e48eeb8f8eull);

  // Through the policy: an empty hash_salt means "default-hash-seed".
  auto at = [](double pct, const std::string& salt, const std::string& id) {
    PolicyConfig c;
    c.type = "probabilistic";
    c.sampling_percentage = pct;
    c.hash_salt = salt;
    Trace empty;
    SpanPool pool;
    return BuildPolicy(c)->Evaluate(TraceView(id, empty, pool), TimePoint(1s)) ==
           Decision::kSampled;
  };
  EXPECT_TRUE(at(10, "", f));
  EXPECT_FALSE(at(50, "", a));
  EXPECT_TRUE(at(10, "test-salt", a));
  EXPECT_FALSE(at(33, "test-salt", Hex("fefefefefefefefefe80000000000000")));
  EXPECT_TRUE(at(50, "test-salt", Hex("fefefefefefefefefe80000000000000")));
  EXPECT_FALSE(at(25, "test-salt", f));
  EXPECT_TRUE(at(33, "test-salt", f));
}

TEST(Probabilistic, SamplesAboutItsPercentageOfRandomIds) {
  PolicyConfig c;
  c.type = "probabilistic";
  c.sampling_percentage = 10;
  auto policy = BuildPolicy(c);
  std::mt19937_64 rng(1);
  int sampled = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string id(16, '\0');
    uint64_t hi = rng(), lo = rng();
    std::memcpy(id.data(), &hi, 8);
    std::memcpy(id.data() + 8, &lo, 8);
    Trace empty;
    SpanPool pool;
    if (policy->Evaluate(TraceView(id, empty, pool), TimePoint(1s)) == Decision::kSampled)
      ++sampled;
  }
  EXPECT_GT(sampled, 1800);
  EXPECT_LT(sampled, 2200);
}

}  // namespace
}  // namespace weir::processors::tail_sampling
