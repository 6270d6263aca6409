#include "processors/probabilistic_sampler/processor.h"

#include <random>

// Tests name only the SpanSpec fields they set.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "processors/probabilistic_sampler/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"

namespace weir::processors::probabilistic_sampler {
namespace {

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

struct SpanSpec {
  std::string trace_id;
  std::string tracestate;
  std::optional<otlp::AnyValue> priority;
};

pipeline::TraceBatch Spans(const std::vector<SpanSpec>& specs) {
  otlp::ExportRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  int n = 0;
  for (const SpanSpec& s : specs) {
    auto* span = ss->add_spans();
    span->set_trace_id(s.trace_id);
    span->set_span_id(std::string(7, '\1') + static_cast<char>(++n));
    span->set_name("op");
    span->set_trace_state(s.tracestate);
    if (s.priority) {
      auto* kv = span->add_attributes();
      kv->set_key("sampling.priority");
      *kv->mutable_value() = *s.priority;
    }
  }
  return pipeline::TraceBatch::FromRequest(req);
}

class SamplerTest : public ::testing::Test {
 protected:
  // The tracestates of the spans that passed, or {"<dropped>"} when none did.
  std::vector<std::string> Run(const std::string& yaml, const std::vector<SpanSpec>& specs) {
    config::Diagnostics d;
    auto cfg = DecodeConfig(config::Node(YAML::Load(yaml), "probabilistic_sampler", &d));
    EXPECT_TRUE(d.ok()) << d.ToString();
    testing::SinkConsumer sink;
    Processor p(env_.SettingsFor("probabilistic_sampler"), *cfg, sink);
    EXPECT_TRUE(p.ConsumeTraces(Spans(specs)).ok());
    std::vector<std::string> out;
    sink.Merged().ForEachSpanView(
        [&](const pipeline::SpanView& s) { out.emplace_back(s.trace_state()); });
    if (out.empty()) out.push_back("<dropped>");
    return out;
  }
  testing::TestEnvironment env_;
};

const std::string kDefaultTid = Hex("fefefefefefefefefe80000000000000");  // randomness 0x80...

using V = std::vector<std::string>;

TEST_F(SamplerTest, EqualizingAndProportionalAsOtelcolsTests) {
  for (const char* mode : {"equalizing", "proportional"}) {
    const std::string m = std::string("mode: ") + mode + "\n";
    EXPECT_EQ(Run(m + "sampling_percentage: 50", {{kDefaultTid, ""}}), V{"ot=th:8"}) << mode;
    EXPECT_EQ(Run(m + "sampling_percentage: 49", {{kDefaultTid, ""}}), V{"<dropped>"}) << mode;
    EXPECT_EQ(Run(m + "sampling_percentage: 25", {{Hex("fefefefefefefefefec0000000000000"), ""}}),
              V{"ot=th:c"});
    EXPECT_EQ(Run(m + "sampling_percentage: 25", {{Hex("fefefefefefefefefeb0000000000000"), ""}}),
              V{"<dropped>"});
    // Explicit randomness wins over the trace id's.
    EXPECT_EQ(Run(m + "sampling_percentage: 1\nsampling_precision: 4",
                  {{kDefaultTid, "ot=rv:FD70A3D70A3D71"}}),
              V{"ot=rv:FD70A3D70A3D71;th:fd70a"});
    EXPECT_EQ(Run(m + "sampling_percentage: 1\nsampling_precision: 3",
                  {{kDefaultTid, "ot=rv:FD70A3D70A3D71"}}),
              V{"<dropped>"});
    EXPECT_EQ(Run(m + "sampling_percentage: 40\nsampling_precision: 3",
                  {{kDefaultTid, "ot=rv:a0000000000000"}}),
              V{"ot=rv:a0000000000000;th:99a"});
  }
  // An arriving threshold: equalizing keeps its own (never lower), proportional multiplies.
  EXPECT_EQ(Run("mode: equalizing\nsampling_percentage: 50",
                {{kDefaultTid, "ot=rv:c0000000000000;th:8"}}),
            V{"ot=rv:c0000000000000;th:8"});
  EXPECT_EQ(Run("mode: proportional\nsampling_percentage: 50",
                {{kDefaultTid, "ot=rv:c0000000000000;th:8"}}),
            V{"ot=rv:c0000000000000;th:c"});
  const std::string d0 = Hex("fefefefefefefefefed0000000000000");
  EXPECT_EQ(
      Run("mode: proportional\nsampling_percentage: 40\nsampling_precision: 6", {{d0, "ot=th:8"}}),
      V{"ot=th:cccccd"});
  EXPECT_EQ(
      Run("mode: equalizing\nsampling_percentage: 40\nsampling_precision: 6", {{d0, "ot=th:8"}}),
      V{"ot=th:99999a"});
}

TEST_F(SamplerTest, OtherTraceStateMembersAreKept) {
  EXPECT_EQ(Run("sampling_percentage: 50", {{kDefaultTid, "vendor=abc"}}), V{"ot=th:8,vendor=abc"});
}

TEST_F(SamplerTest, FailClosedDropsWhatCannotBeRead) {
  // An inconsistent arriving threshold (randomness below it), a malformed ot value.
  const std::vector<SpanSpec> bad = {{kDefaultTid, "ot=th:c"}, {kDefaultTid, "ot=nonsense"}};
  EXPECT_EQ(Run("sampling_percentage: 100", bad), V{"<dropped>"});
  EXPECT_EQ(Run("sampling_percentage: 100\nfail_closed: false", bad).size(), 2u);
}

TEST_F(SamplerTest, SamplingPriorityOverrides) {
  otlp::AnyValue zero, ten, text;
  zero.set_int_value(0);
  ten.set_double_value(10);
  text.set_string_value("0");
  EXPECT_EQ(Run("sampling_percentage: 100", {{kDefaultTid, "", zero}}), V{"<dropped>"});
  EXPECT_EQ(Run("sampling_percentage: 100", {{kDefaultTid, "", text}}), V{"<dropped>"});
  EXPECT_EQ(Run("sampling_percentage: 0", {{kDefaultTid, "", ten}}), V{"ot=th:0"});
}

TEST_F(SamplerTest, HashSeedModeIsOtelcolsVerdict) {
  const std::string a = Hex("0102030405060708090a0b0c0d0e0f10");  // bucket 6693 with seed 0
  const std::string f = Hex("fefefefefefefefefe80000000000000");  // bucket 43 with seed 0
  // Seed 0 needs the mode named (seed 0 alone means proportional).
  EXPECT_EQ(Run("mode: hash_seed\nsampling_percentage: 50", {{a, ""}}).size(), 1u);
  EXPECT_NE(Run("mode: hash_seed\nsampling_percentage: 50", {{a, ""}})[0], "<dropped>");
  EXPECT_EQ(Run("mode: hash_seed\nsampling_percentage: 10", {{a, ""}}), V{"<dropped>"});
  EXPECT_NE(Run("mode: hash_seed\nsampling_percentage: 10", {{f, ""}})[0], "<dropped>");
  // Randomness already in the tracestate cannot be honoured in this mode: fail closed.
  EXPECT_EQ(Run("mode: hash_seed\nsampling_percentage: 100", {{a, "ot=rv:00000000000001"}}),
            V{"<dropped>"});
}

TEST_F(SamplerTest, KeepsAboutItsShareOfRandomTraces) {
  std::mt19937_64 rng(3);
  std::vector<SpanSpec> specs;
  for (int i = 0; i < 20000; ++i) {
    std::string id(16, '\0');
    for (char& c : id) c = static_cast<char>(rng());
    specs.push_back({id, ""});
  }
  for (const char* yaml : {"sampling_percentage: 10", "hash_seed: 22\nsampling_percentage: 10"}) {
    size_t kept = Run(yaml, specs).size();
    EXPECT_GT(kept, 1800u) << yaml;
    EXPECT_LT(kept, 2200u) << yaml;
  }
}

TEST(ProbabilisticSamplerConfig, DefaultsAndRules) {
  config::Diagnostics d;
  auto cfg = DecodeConfig(config::Node(YAML::Load("{}"), "p", &d));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(cfg->mode, Mode::kProportional);
  EXPECT_TRUE(cfg->fail_closed);
  EXPECT_EQ(cfg->sampling_precision, 4);
  EXPECT_EQ(cfg->sampling_percentage, 0);
  config::Diagnostics d2;
  cfg = DecodeConfig(config::Node(YAML::Load("hash_seed: 7"), "p", &d2));
  EXPECT_EQ(cfg->mode, Mode::kHashSeed);
  struct Case {
    const char* yaml;
    const char* path;
  } cases[] = {
      {"sampling_percentage: -1", "p.sampling_percentage"},
      {"sampling_percentage: 1e-20", "p.sampling_percentage"},
      {"mode: sometimes", "p.mode"},
      {"sampling_precision: 0", "p.sampling_precision"},
      {"sampling_precision: 15", "p.sampling_precision"},
      {"hash_seed: -3", "p.hash_seed"},
      {"attribute_source: record", "p.attribute_source"},
      {"from_attribute: x", "p.from_attribute"},
      {"sampling_percentag: 5", "p.sampling_percentag"},
  };
  for (const Case& c : cases) {
    config::Diagnostics dc;
    DecodeConfig(config::Node(YAML::Load(c.yaml), "p", &dc));
    ASSERT_EQ(dc.problems().size(), 1u) << c.yaml << "\n" << dc.ToString();
    EXPECT_EQ(dc.problems()[0].path, c.path);
  }
}

TEST(ProbabilisticSamplerProcessor, Conformance) {
  testing::RunProcessorConformance(Factory(), "sampling_percentage: 100");
}

}  // namespace
}  // namespace weir::processors::probabilistic_sampler
