#include "processors/tail_sampling/config.h"

#include "gtest/gtest.h"

namespace weir::processors::tail_sampling {
namespace {

config::Diagnostics Decode(const std::string& yaml, std::unique_ptr<Config>* out = nullptr) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "processors.tail_sampling", &d));
  if (out) *out = std::move(cfg);
  return d;
}

TEST(TailSamplingConfig, Defaults) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("policies: [{name: a, type: always_sample}]", &cfg).ok());
  EXPECT_EQ(cfg->decision_wait, absl::Seconds(30));
  EXPECT_EQ(cfg->decision_wait_after_root_received, absl::ZeroDuration());
  EXPECT_EQ(cfg->num_traces, 50000);
  EXPECT_EQ(cfg->expected_new_traces_per_sec, 0);
  EXPECT_FALSE(cfg->sample_on_first_match);
  EXPECT_FALSE(cfg->drop_pending_traces_on_shutdown);
  EXPECT_EQ(cfg->maximum_trace_size_bytes, 0);
  EXPECT_EQ(cfg->max_buffered_bytes, 0);
  EXPECT_FALSE(cfg->record_policy);
  // weir remembers decisions by default, sized from num_traces.
  EXPECT_EQ(cfg->SampledCacheSize(), 50000u);
  EXPECT_EQ(cfg->NonSampledCacheSize(), 50000u);
}

TEST(TailSamplingConfig, CachesOffAsOtelcol) {
  std::unique_ptr<Config> cfg;
  ASSERT_TRUE(Decode("decision_cache: {sampled_cache_size: 0, non_sampled_cache_size: 0}\n"
                     "policies: [{name: a, type: always_sample}]",
                     &cfg)
                  .ok());
  EXPECT_EQ(cfg->SampledCacheSize(), 0u);
  EXPECT_EQ(cfg->NonSampledCacheSize(), 0u);
}

TEST(TailSamplingConfig, TestdataDecodesExactly) {
  YAML::Node doc = YAML::LoadFile(WEIR_SOURCE_DIR "/processors/tail_sampling/testdata/config.yaml");
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(doc["processors"]["tail_sampling/custom"], "x", &d));
  ASSERT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(cfg->decision_wait, absl::Seconds(10));
  EXPECT_EQ(cfg->decision_wait_after_root_received, absl::Seconds(2));
  EXPECT_EQ(cfg->num_traces, 100);
  EXPECT_EQ(cfg->expected_new_traces_per_sec, 10);
  EXPECT_TRUE(cfg->sample_on_first_match);
  EXPECT_TRUE(cfg->drop_pending_traces_on_shutdown);
  EXPECT_EQ(cfg->maximum_trace_size_bytes, 1048576);
  EXPECT_EQ(cfg->max_buffered_bytes, 67108864);
  EXPECT_TRUE(cfg->record_policy);
  EXPECT_EQ(cfg->SampledCacheSize(), 1000u);
  EXPECT_EQ(cfg->NonSampledCacheSize(), 0u);
  ASSERT_EQ(cfg->policies.size(), 15u);
  const auto& p = cfg->policies;
  EXPECT_EQ(p[0].name, "errors");
  EXPECT_EQ(p[0].status_codes, std::vector<uint32_t>{2});
  EXPECT_EQ(p[1].threshold_ms, 500);
  EXPECT_EQ(p[1].upper_threshold_ms, 10000);
  EXPECT_EQ(p[2].sampling_percentage, 10);
  EXPECT_EQ(p[2].hash_salt, "fleet");
  EXPECT_EQ(p[3].key, "tenant");
  EXPECT_EQ(p[3].values, (std::vector<std::string>{"^gold-", "silver"}));
  EXPECT_TRUE(p[3].enabled_regex_matching);
  EXPECT_EQ(p[3].cache_max_size, 64);
  EXPECT_TRUE(p[4].has_min_value && p[4].has_max_value);
  EXPECT_EQ(p[4].min_value, 500);
  EXPECT_EQ(p[4].max_value, 599);
  EXPECT_TRUE(p[5].bool_value);
  EXPECT_EQ(p[6].min_spans, 2);
  EXPECT_EQ(p[6].max_spans, 100);
  EXPECT_EQ(p[7].spans_per_second, 35);
  EXPECT_EQ(p[7].burst_capacity, 70);
  EXPECT_EQ(p[8].bytes_per_second, 100000);
  EXPECT_EQ(p[9].values, std::vector<std::string>{"gold"});
  EXPECT_EQ(p[10].type, "trace_flags");
  ASSERT_EQ(p[11].sub_policies.size(), 2u);
  EXPECT_EQ(p[11].sub_policies[0].values, std::vector<std::string>{"prod"});
  EXPECT_EQ(p[12].type, "drop");
  ASSERT_EQ(p[12].sub_policies.size(), 1u);
  ASSERT_EQ(p[13].sub_policies.size(), 1u);
  EXPECT_EQ(p[13].sub_policies[0].status_codes, std::vector<uint32_t>{1});
  EXPECT_EQ(p[14].max_total_spans_per_second, 1000);
  EXPECT_EQ(p[14].policy_order, (std::vector<std::string>{"c-errors", "c-rest"}));
  ASSERT_EQ(p[14].rate_allocation.size(), 2u);
  EXPECT_EQ(p[14].rate_allocation[0].percent, 75);
}

TEST(TailSamplingConfig, EachRuleFailsWithItsPath) {
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"{}", "processors.tail_sampling.policies"},
      {"policies: []", "processors.tail_sampling.policies"},
      {"decision_wait: 0s\npolicies: [{name: a, type: always_sample}]",
       "processors.tail_sampling.decision_wait"},
      {"num_traces: 0\npolicies: [{name: a, type: always_sample}]",
       "processors.tail_sampling.num_traces"},
      {"sampling_strategy: span-ingest\npolicies: [{name: a, type: always_sample}]",
       "processors.tail_sampling.sampling_strategy"},
      {"decision_cache: {sampled_cache_size: -1}\npolicies: [{name: a, type: always_sample}]",
       "processors.tail_sampling.decision_cache.sampled_cache_size"},
      {"policies: [{name: a, type: always_sample}]\nnum_trace: 5",
       "processors.tail_sampling.num_trace"},
      {"policies: [{name: a, type: sometimes}]", "processors.tail_sampling.policies[0].type"},
      {"policies: [{type: always_sample}]", "processors.tail_sampling.policies[0].name"},
      {"policies: [{name: a}]", "processors.tail_sampling.policies[0].type"},
      {"policies: [{name: a, type: always_sample}, {name: a, type: always_sample}]",
       "processors.tail_sampling.policies"},
      {"policies: [{name: a, type: ottl_condition, ottl_condition: {span: ['true'], spn: [x]}}]",
       "processors.tail_sampling.policies[0].ottl_condition.spn"},
      {"policies: [{name: a, type: probabilistic, probabilistic: {sampling_percentage: 101}}]",
       "processors.tail_sampling.policies[0].probabilistic.sampling_percentage"},
      {"policies: [{name: a, type: probabilistic, probabilistic: {sampling_percentag: 1}}]",
       "processors.tail_sampling.policies[0].probabilistic.sampling_percentag"},
      {"policies: [{name: a, type: latency}]", "processors.tail_sampling.policies[0].latency"},
      {"policies: [{name: a, type: latency, latency: {threshold_ms: 10, upper_threshold_ms: 5}}]",
       "processors.tail_sampling.policies[0].latency.upper_threshold_ms"},
      {"policies: [{name: a, type: status_code, status_code: {status_codes: [FAILED]}}]",
       "processors.tail_sampling.policies[0].status_code.status_codes"},
      {"policies: [{name: a, type: string_attribute, string_attribute: {key: k, values: ['('],"
       " enabled_regex_matching: true}}]",
       "processors.tail_sampling.policies[0].string_attribute.values"},
      {"policies: [{name: a, type: string_attribute, string_attribute: {values: [x]}}]",
       "processors.tail_sampling.policies[0].string_attribute.key"},
      {"policies: [{name: a, type: numeric_attribute, numeric_attribute: {key: k}}]",
       "processors.tail_sampling.policies[0].numeric_attribute"},
      {"policies: [{name: a, type: rate_limiting, rate_limiting: {spans_per_second: 0}}]",
       "processors.tail_sampling.policies[0].rate_limiting.spans_per_second"},
      {"policies: [{name: a, type: and, and: {and_sub_policy: []}}]",
       "processors.tail_sampling.policies[0].and.and_sub_policy"},
      {"policies: [{name: a, type: and, and: {and_sub_policy: [{name: b, type: nope}]}}]",
       "processors.tail_sampling.policies[0].and.and_sub_policy[0].type"},
      {"policies: [{name: a, type: not, not: {}}]",
       "processors.tail_sampling.policies[0].not.not_sub_policy"},
      {"policies: [{name: a, type: composite, composite: {max_total_spans_per_second: 10, "
       "composite_sub_policy: [{name: y, type: always_sample}], "
       "rate_allocation: [{policy: x, percent: 10}]}}]",
       "processors.tail_sampling.policies[0].composite.rate_allocation"},
      {"policies: [{name: a, type: composite, composite: {max_total_spans_per_second: 10, "
       "policy_order: [y], composite_sub_policy: [{name: y, type: always_sample}], "
       "rate_allocation: [{policy: y, percent: 120}]}}]",
       "processors.tail_sampling.policies[0].composite.rate_allocation[0].percent"},
  };
  for (const Case& c : cases) {
    config::Diagnostics d = Decode(c.yaml);
    ASSERT_GE(d.problems().size(), 1u) << c.yaml;
    EXPECT_EQ(d.problems()[0].path, c.path) << c.yaml << "\n" << d.ToString();
    EXPECT_GT(d.problems()[0].line, 0) << c.yaml;
  }
}

TEST(TailSamplingConfig, OttlConditionNamesThePolicyAndColumn) {
  config::Diagnostics d = Decode(
      "policies: [{name: my-ottl, type: ottl_condition, ottl_condition: {span: ['x == 1']}}]");
  ASSERT_EQ(d.problems().size(), 1u) << d.ToString();
  EXPECT_NE(d.ToString().find("policies[0].ottl_condition.span"), std::string::npos)
      << d.ToString();
  EXPECT_NE(d.problems()[0].message.find("my-ottl"), std::string::npos);
  EXPECT_NE(d.problems()[0].message.find("unknown path \"x\" in the span context at column 1"),
            std::string::npos);
  EXPECT_TRUE(Decode("policies: [{name: o, type: ottl_condition, ottl_condition: "
                     "{spanevent: ['name == \"exception\"']}}]")
                  .ok());
  EXPECT_FALSE(Decode("policies: [{name: o, type: ottl_condition, ottl_condition: {}}]").ok());
}

}  // namespace
}  // namespace weir::processors::tail_sampling
