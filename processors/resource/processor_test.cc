#include "processors/resource/processor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "processors/resource/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::processors::resource {
namespace {

TEST(ResourceProcessor, Conformance) {
  testing::RunProcessorConformance(Factory(), "attributes: [{key: a, value: b, action: upsert}]");
}

TEST(ResourceProcessor, EditsResourcesAndLeavesSpansAsBytes) {
  testing::TestEnvironment env;
  otlp::ExportRequest req = testing::MakeRequest(2, 1, 3, 4);
  pipeline::TraceBatch in = pipeline::TraceBatch::FromRequest(req);
  std::vector<std::string> spans;
  in.ForEachSpanView([&](const pipeline::SpanView& s) { spans.emplace_back(s.wire_bytes()); });
  auto cfg = testing::DecodeOrFail(Factory(), R"(
attributes:
  - {key: deployment.environment, value: prod, action: upsert}
  - {key: host.name, action: delete}
  - {key: tenant, from_context: x-tenant, action: insert}
)");
  testing::SinkConsumer sink;
  Processor p(env.SettingsFor("resource"), static_cast<const Config&>(*cfg), sink);
  pipeline::RequestContext context;
  context.AddMetadata("x-tenant", "acme");
  ASSERT_TRUE(p.ConsumeTraces(context, std::move(in)).ok());
  pipeline::TraceBatch out = sink.Merged();
  otlp::ExportRequest got = out.ToRequest();
  ASSERT_EQ(got.resource_spans_size(), 2);
  for (const auto& rs : got.resource_spans()) {
    std::map<std::string, std::string> attrs;
    for (const auto& kv : rs.resource().attributes()) attrs[kv.key()] = kv.value().string_value();
    EXPECT_EQ(attrs["deployment.environment"], "prod");
    EXPECT_EQ(attrs.count("host.name"), 0u);
    EXPECT_EQ(attrs["tenant"], "acme");
    EXPECT_TRUE(attrs.count("service.name"));
  }
  std::vector<std::string> after;
  out.ForEachSpanView([&](const pipeline::SpanView& s) { after.emplace_back(s.wire_bytes()); });
  EXPECT_EQ(after, spans);
}

TEST(ResourceProcessor, RequiresAttributes) {
  config::Diagnostics d;
  DecodeConfig(config::Node(YAML::Load("{}"), "processors.resource", &d));
  EXPECT_THAT(d.ToString(), ::testing::HasSubstr("processors.resource.attributes: required"));
}

}  // namespace
}  // namespace weir::processors::resource
