#include "tests/testing/conformance.h"

#include "config/diagnostics.h"
#include "config/node.h"
#include "gtest/gtest.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"
#include "yaml-cpp/yaml.h"

namespace weir::testing {
namespace {

absl::Time Soon() { return absl::Now() + absl::Seconds(5); }

}  // namespace

TestEnvironment::TestEnvironment() { io.Start(); }
TestEnvironment::~TestEnvironment() { io.Stop(); }

pipeline::Settings TestEnvironment::SettingsFor(const std::string& id) {
  pipeline::Settings s;
  std::string error;
  pipeline::ComponentId::Parse(id, &s.id, &error);
  s.telemetry = &telemetry;
  s.io = &io.context();
  s.clock = &clock;
  s.pipeline = "traces";
  return s;
}

double TestEnvironment::ExporterMetric(const std::string& name, const std::string& exporter) {
  for (const auto& family : telemetry.registry().Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "exporter" && label.value == exporter) {
          return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

// Decodes the factory's default config; some components require a key (a path, an endpoint),
// so only the absence of a crash is checked.
void DecodeDefault(const pipeline::Factory& factory) {
  config::Diagnostics diagnostics;
  (void)factory.DecodeConfig(config::Node(YAML::Node(), std::string(factory.type()), &diagnostics));
}

std::unique_ptr<pipeline::ComponentConfig> DecodeOrFail(const pipeline::Factory& factory,
                                                        const std::string& yaml) {
  config::Diagnostics diagnostics;
  YAML::Node node = yaml.empty() ? YAML::Node() : YAML::Load(yaml);
  auto cfg = factory.DecodeConfig(config::Node(node, std::string(factory.type()), &diagnostics));
  EXPECT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  return cfg;
}

void RunReceiverConformance(const pipeline::ReceiverFactory& factory, const std::string& yaml,
                            const SendOne& send_one) {
  DecodeDefault(factory);
  auto cfg = DecodeOrFail(factory, yaml);
  TestEnvironment env;
  SinkConsumer sink;
  RecordingHost host;
  auto created = factory.CreateTraces(env.SettingsFor(std::string(factory.type())), *cfg, sink);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE((*created)->Start(host).ok());
  // A request the receiver acknowledged is downstream by then.
  ASSERT_TRUE(send_one(**created).ok());
  EXPECT_GT(sink.span_count(), 0u);
  const size_t delivered = sink.span_count();
  (*created)->Shutdown(Soon());
  (*created)->Shutdown(Soon());
  // A stopped receiver takes nothing more.
  EXPECT_FALSE(send_one(**created).ok());
  EXPECT_EQ(sink.span_count(), delivered);
  auto unstarted = factory.CreateTraces(env.SettingsFor(std::string(factory.type())), *cfg, sink);
  ASSERT_TRUE(unstarted.ok());
  (*unstarted)->Shutdown(Soon());
  EXPECT_TRUE(host.last_error.ok()) << host.last_error;
}

void RunProcessorConformance(const pipeline::ProcessorFactory& factory, const std::string& yaml) {
  DecodeDefault(factory);
  auto cfg = DecodeOrFail(factory, yaml);
  TestEnvironment env;
  SinkConsumer sink;
  RecordingHost host;
  auto created = factory.CreateTraces(env.SettingsFor(std::string(factory.type())), *cfg, sink);
  ASSERT_TRUE(created.ok()) << created.status();
  auto& proc = **created;
  ASSERT_TRUE(proc.Start(host).ok());
  EXPECT_TRUE(proc.ConsumeTraces(MakeBatch(5)).ok());
  proc.Shutdown(Soon());
  proc.Shutdown(Soon());
  // Whatever a processor accepted reaches its consumer by the end of shutdown.
  EXPECT_EQ(sink.span_count(), 5u);
  auto unstarted = factory.CreateTraces(env.SettingsFor(std::string(factory.type())), *cfg, sink);
  ASSERT_TRUE(unstarted.ok());
  (*unstarted)->Shutdown(Soon());
}

void RunExporterConformance(const pipeline::ExporterFactory& factory, const std::string& yaml) {
  DecodeDefault(factory);
  auto cfg = DecodeOrFail(factory, yaml);
  TestEnvironment env;
  RecordingHost host;
  auto created = factory.CreateTraces(env.SettingsFor(std::string(factory.type())), *cfg);
  ASSERT_TRUE(created.ok()) << created.status();
  auto& exp = **created;
  ASSERT_TRUE(exp.Start(host).ok());
  // The destination may not exist in a conformance run, so the batch may be refused; what is
  // accepted is, by the end of shutdown, either sent or counted as failed, never lost.
  const std::string id(factory.type());
  absl::Status accepted = exp.ConsumeTraces(MakeBatch(3));
  exp.Shutdown(absl::Now() + absl::Seconds(2));
  exp.Shutdown(Soon());
  const double sent = env.ExporterMetric("otelcol_exporter_sent_spans", id);
  const double failed = env.ExporterMetric("otelcol_exporter_send_failed_spans", id);
  if (accepted.ok()) {
    EXPECT_EQ(sent + failed, 3) << "sent " << sent << ", failed " << failed;
  } else {
    EXPECT_EQ(sent, 0) << accepted;
  }
  // A stopped exporter refuses, with a status the caller can act on.
  absl::Status after = exp.ConsumeTraces(MakeBatch(1));
  EXPECT_FALSE(after.ok());
  auto unstarted = factory.CreateTraces(env.SettingsFor(std::string(factory.type())), *cfg);
  ASSERT_TRUE(unstarted.ok());
  (*unstarted)->Shutdown(Soon());
}

void RunExtensionConformance(const pipeline::ExtensionFactory& factory, const std::string& yaml) {
  DecodeDefault(factory);
  auto cfg = DecodeOrFail(factory, yaml);
  TestEnvironment env;
  RecordingHost host;
  auto created = factory.Create(env.SettingsFor(std::string(factory.type())), *cfg);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE((*created)->Start(host).ok());
  (*created)->OnPipelinesReady(true);
  (*created)->OnPipelinesReady(false);
  (*created)->Shutdown(Soon());
  (*created)->Shutdown(Soon());
  auto unstarted = factory.Create(env.SettingsFor(std::string(factory.type())), *cfg);
  ASSERT_TRUE(unstarted.ok());
  (*unstarted)->Shutdown(Soon());
}

}  // namespace weir::testing
