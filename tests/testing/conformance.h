// The component conformance suite: every factory runs it in one line, e.g.
//   TEST(FileExporter, Conformance) { RunExporterConformance(Factory(), "path: /tmp/x.json"); }
// It checks: the default config decodes (without crashing; some keys are required); `yaml` decodes
// cleanly; create; start; consume (a receiver is sent one request; what processors and exporters
// accept is delivered or counted by the end of shutdown); shutdown; shutdown again; nothing is
// taken after shutdown; and, on a second instance, shutdown without start.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "pipeline/factory.h"
#include "pipeline/net/io_pool.h"
#include "pipeline/telemetry/metrics.h"
#include "tests/testing/fake_clock.h"

namespace weir::testing {

// A telemetry registry, a running I/O pool and a fake clock for component tests.
struct TestEnvironment {
  TestEnvironment();
  ~TestEnvironment();
  pipeline::Settings SettingsFor(const std::string& id);
  // The value of metric `name` (a counter or a gauge) labelled exporter=`exporter`, or -1 when
  // there is none.
  double ExporterMetric(const std::string& name, const std::string& exporter);

  telemetry::Telemetry telemetry;
  net::IoPool io{2};
  FakeClock clock;
};

// Decodes `yaml` with `factory`; fails the current test (with every problem) when invalid.
std::unique_ptr<pipeline::ComponentConfig> DecodeOrFail(const pipeline::Factory& factory,
                                                        const std::string& yaml);

// A Host that records fatal errors.
class RecordingHost : public pipeline::Host {
 public:
  void ReportFatalError(const absl::Status& status) override { last_error = status; }
  // The extensions a test registered by id (not owned).
  pipeline::Extension* GetExtension(absl::string_view id) override {
    auto it = extensions.find(std::string(id));
    return it == extensions.end() ? nullptr : it->second;
  }
  absl::Status last_error;
  std::map<std::string, pipeline::Extension*> extensions;
};

// Sends one request holding at least one span to a started receiver, over its own protocol;
// returns whether the receiver acknowledged it.
using SendOne = std::function<absl::Status(pipeline::Component&)>;
void RunReceiverConformance(const pipeline::ReceiverFactory& factory, const std::string& yaml,
                            const SendOne& send_one);
void RunProcessorConformance(const pipeline::ProcessorFactory& factory, const std::string& yaml);
void RunExporterConformance(const pipeline::ExporterFactory& factory, const std::string& yaml);
void RunExtensionConformance(const pipeline::ExtensionFactory& factory, const std::string& yaml);

}  // namespace weir::testing
