// Service and ServiceRunner against fake components that record what happens to them: the
// shutdown stages and their shares of the deadline, the destruction order, and what a reload
// does when the new graph cannot be built, cannot start, or the old one is slow to drain.

#include "pipeline/service/service.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/factory_template.h"
#include "pipeline/memory_budget.h"
#include "pipeline/service/service_runner.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"

namespace weir::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What the fakes did, in order, and the deadlines they were given.
struct Journal {
  void Add(std::string event) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::move(event));
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> lock(mu);
    return events;
  }
  bool Has(const std::string& event) {
    auto e = Events();
    return std::find(e.begin(), e.end(), event) != e.end();
  }
  void SetDeadline(const std::string& who, absl::Time deadline) {
    std::lock_guard<std::mutex> lock(mu);
    deadlines[who] = deadline;
  }
  absl::Time Deadline(const std::string& who) {
    std::lock_guard<std::mutex> lock(mu);
    return deadlines[who];
  }
  // Lets exporters that block in Shutdown return.
  void ReleaseExporters() {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  }

  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::vector<std::string> events;
  std::map<std::string, absl::Time> deadlines;
  pipeline::Host* exporter_host = nullptr;  // the last started exporter's host
};

Journal* journal = nullptr;

// Every fake's config: `tag` names the instance in the journal.
struct FakeConfig : pipeline::ComponentConfig {
  std::string tag = "a";
  bool fail_start = false;
  bool block_shutdown = false;  // exporters: Shutdown waits for ReleaseExporters or the deadline
  std::string endpoint;         // extensions: listens here (for the port checks)
  std::vector<std::string> ListenEndpoints() const {
    return endpoint.empty() ? std::vector<std::string>{} : std::vector<std::string>{endpoint};
  }
};

std::unique_ptr<FakeConfig> DecodeFake(config::Node node) {
  auto c = std::make_unique<FakeConfig>();
  node.Read("tag", &c->tag);
  node.Read("fail_start", &c->fail_start);
  node.Read("block_shutdown", &c->block_shutdown);
  node.Read("endpoint", &c->endpoint);
  node.RejectUnknownKeys();
  return c;
}

// The part every fake shares: journal entries "<kind> <tag> start|shutdown|destroyed".
class Recorder {
 public:
  Recorder(std::string kind, const FakeConfig& config)
      : name_(absl::StrCat(kind, " ", config.tag)), config_(config) {}
  ~Recorder() { journal->Add(name_ + " destroyed"); }
  absl::Status Started() {
    if (config_.fail_start) return absl::InternalError(name_ + " refuses to start");
    journal->Add(name_ + " start");
    return absl::OkStatus();
  }
  void Stopped(absl::Time deadline) {
    journal->SetDeadline(name_, deadline);
    journal->Add(name_ + " shutdown");
  }
  const FakeConfig& config() const { return config_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  FakeConfig config_;
};

class FakeReceiver final : public pipeline::Component {
 public:
  FakeReceiver(const Settings&, const FakeConfig& config, TracesConsumer&)
      : recorder_("receiver", config) {}
  absl::Status Start(Host&) override { return recorder_.Started(); }
  void Shutdown(absl::Time deadline) override { recorder_.Stopped(deadline); }

 private:
  Recorder recorder_;
};

class FakeProcessor final : public TracesProcessor {
 public:
  FakeProcessor(const Settings&, const FakeConfig& config, TracesConsumer& next)
      : recorder_("processor", config), next_(next) {}
  absl::Status Start(Host&) override { return recorder_.Started(); }
  void Shutdown(absl::Time deadline) override { recorder_.Stopped(deadline); }
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override {
    return next_.ConsumeTraces(context, std::move(batch));
  }

 private:
  Recorder recorder_;
  TracesConsumer& next_;
};

class FakeExporter final : public TracesExporter {
 public:
  FakeExporter(const Settings&, const FakeConfig& config) : recorder_("exporter", config) {}
  absl::Status Start(Host& host) override {
    journal->exporter_host = &host;
    return recorder_.Started();
  }
  void Shutdown(absl::Time deadline) override {
    if (recorder_.config().block_shutdown) {
      std::unique_lock<std::mutex> lock(journal->mu);
      journal->cv.wait_until(lock, absl::ToChronoTime(deadline), [] { return journal->released; });
    }
    recorder_.Stopped(deadline);
  }
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext&, pipeline::TraceBatch) override {
    return absl::OkStatus();
  }

 private:
  Recorder recorder_;
};

class FakeExtension final : public Extension {
 public:
  FakeExtension(const Settings&, const FakeConfig& config) : recorder_("extension", config) {}
  absl::Status Start(Host&) override { return recorder_.Started(); }
  void Shutdown(absl::Time deadline) override { recorder_.Stopped(deadline); }
  void OnPipelinesReady(bool ready) override {
    journal->Add(absl::StrCat(recorder_.name(), ready ? " ready" : " not ready"));
  }

 private:
  Recorder recorder_;
};

std::unique_ptr<Registry> FakeRegistry() {
  auto r = std::make_unique<Registry>();
  EXPECT_TRUE(
      r->Add(std::make_unique<
                 pipeline::ReceiverFactoryFor<"fake", FakeConfig, DecodeFake, FakeReceiver>>())
          .ok());
  EXPECT_TRUE(
      r->Add(std::make_unique<
                 pipeline::ProcessorFactoryFor<"fake", FakeConfig, DecodeFake, FakeProcessor>>())
          .ok());
  EXPECT_TRUE(
      r->Add(std::make_unique<
                 pipeline::ExporterFactoryFor<"fake", FakeConfig, DecodeFake, FakeExporter>>())
          .ok());
  EXPECT_TRUE(
      r->Add(std::make_unique<
                 pipeline::ExtensionFactoryFor<"fake", FakeConfig, DecodeFake, FakeExtension>>())
          .ok());
  return r;
}

// One pipeline of one fake of each kind, plus a second extension, tagged "listening", that
// listens on `endpoint` when it is set.
std::string Yaml(const std::string& receiver = "{}", const std::string& exporter = "{}",
                 const std::string& endpoint = "", const std::string& extra = "") {
  std::string listening = endpoint.empty()
                              ? "{tag: listening}"
                              : absl::StrCat("{tag: listening, endpoint: \"", endpoint, "\"}");
  return absl::StrCat("receivers: {fake: ", receiver, "}\n", "processors: {fake: {}}\n",
                      "exporters: {fake: ", exporter, "}\n",
                      "extensions: {fake: {}, fake/listening: ", listening, "}\n", "service:\n",
                      "  extensions: [fake, fake/listening]\n", "  shutdown_timeout: 10s\n", extra,
                      "  telemetry: {metrics: {level: none}}\n",
                      "  pipelines: {traces: {receivers: [fake], processors: [fake], "
                      "exporters: [fake]}}\n");
}

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() : registry_(FakeRegistry()) { journal = &journal_; }
  ~ServiceTest() override { journal = nullptr; }

  std::unique_ptr<ServiceConfig> Decode(const std::string& yaml) {
    config::Diagnostics d;
    std::unique_ptr<ServiceConfig> config =
        DecodeServiceConfig(config::LoadString(yaml, "test", &d), *registry_, &d);
    EXPECT_TRUE(d.ok()) << d.ToString();
    return config;
  }
  std::unique_ptr<Service> MakeService(const std::string& yaml,
                                       std::function<void(const absl::Status&)> on_fatal = {}) {
    return std::make_unique<Service>(Decode(yaml), env_.telemetry, env_.io.context(), env_.clock,
                                     std::move(on_fatal));
  }

  Journal journal_;
  std::unique_ptr<Registry> registry_;
  testing::TestEnvironment env_;
};

TEST_F(ServiceTest, EachShutdownStageHasItsOwnShareOfTheDeadline) {
  auto service = MakeService(Yaml());
  ASSERT_TRUE(service->Build().ok());
  ASSERT_TRUE(service->Start().ok());
  absl::Time start = absl::Now();
  service->Shutdown(start + absl::Seconds(10));
  const absl::Duration slack = absl::Milliseconds(500);
  auto after = [&](const std::string& who) { return journal_.Deadline(who) - start; };
  EXPECT_LE(after("receiver a"), absl::Seconds(1) + slack);
  EXPECT_LE(after("extension a"), absl::Seconds(10) + slack);  // not listening: stops last
  EXPECT_LE(after("processor a"), absl::Seconds(3) + slack);
  EXPECT_GE(after("exporter a"), absl::Milliseconds(9500) - slack);
  EXPECT_LE(after("exporter a"), absl::Milliseconds(9500) + slack);
  EXPECT_GE(after("extension a"), absl::Seconds(10) - slack);
}

TEST_F(ServiceTest, StopIntakeClosesWhatListensAndDrainTheRest) {
  auto service = MakeService(Yaml("{}", "{}", "127.0.0.1:0"));
  ASSERT_TRUE(service->Build().ok());
  ASSERT_TRUE(service->Start().ok());
  service->StopIntake(absl::Now() + absl::Seconds(10));
  EXPECT_TRUE(journal_.Has("receiver a shutdown"));
  EXPECT_TRUE(journal_.Has("extension a not ready"));
  // The listening extension (a health check) closes with the receivers; the other one stays
  // for the exporters that may use it.
  EXPECT_TRUE(journal_.Has("extension listening shutdown"));
  EXPECT_FALSE(journal_.Has("extension a shutdown"));
  EXPECT_FALSE(journal_.Has("processor a shutdown"));
  EXPECT_FALSE(journal_.Has("exporter a shutdown"));
  service->Drain();
  EXPECT_TRUE(journal_.Has("processor a shutdown"));
  EXPECT_TRUE(journal_.Has("exporter a shutdown"));
  EXPECT_TRUE(journal_.Has("extension a shutdown"));
}

TEST_F(ServiceTest, DestroysWhatFeedsAComponentBeforeTheComponent) {
  auto service = MakeService(Yaml());
  ASSERT_TRUE(service->Build().ok());
  ASSERT_TRUE(service->Start().ok());
  service.reset();
  std::vector<std::string> destroyed;
  for (const std::string& e : journal_.Events())
    if (absl::EndsWith(e, " destroyed")) destroyed.push_back(e);
  EXPECT_THAT(destroyed,
              ElementsAre("receiver a destroyed", "processor a destroyed", "exporter a destroyed",
                          "extension listening destroyed", "extension a destroyed"));
}

TEST_F(ServiceTest, ARetiredServiceDoesNotReportFatalErrors) {
  int fatal = 0;
  auto service = MakeService(Yaml(), [&](const absl::Status&) { ++fatal; });
  ASSERT_TRUE(service->Build().ok());
  ASSERT_TRUE(service->Start().ok());
  service->Retire();
  journal_.exporter_host->ReportFatalError(absl::InternalError("late"));
  EXPECT_EQ(fatal, 0);
  auto live = MakeService(Yaml(), [&](const absl::Status&) { ++fatal; });
  ASSERT_TRUE(live->Build().ok());
  ASSERT_TRUE(live->Start().ok());
  journal_.exporter_host->ReportFatalError(absl::InternalError("now"));
  EXPECT_EQ(fatal, 1);
}

class ServiceRunnerTest : public ServiceTest {
 protected:
  LoadedConfig Load(const std::string& yaml) {
    config::Diagnostics d;
    LoadedConfig loaded;
    loaded.document = config::LoadString(yaml, "test", &d);
    loaded.config = DecodeServiceConfig(loaded.document, *registry_, &d);
    EXPECT_TRUE(d.ok()) << d.ToString();
    return loaded;
  }
  ServiceRunner::Options FastHandover() {
    ServiceRunner::Options options;
    options.handover_wait = absl::Milliseconds(50);
    return options;
  }
};

TEST_F(ServiceRunnerTest, TheNewGraphStartsWhileTheOldOneIsStillDraining) {
  ServiceRunner runner(*registry_, env_.telemetry, env_.io.context(), env_.clock, {},
                       FastHandover());
  ASSERT_TRUE(runner.Start(Load(Yaml("{tag: old}", "{tag: old, block_shutdown: true}"))).ok());
  absl::Time before = absl::Now();
  auto outcome = runner.Reload(Load(Yaml("{tag: new}", "{tag: new}")));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, ServiceRunner::ReloadOutcome::kReloaded);
  // The old exporter would block until its deadline (10 s); the reload did not wait for it.
  EXPECT_LT(absl::Now() - before, absl::Seconds(5));
  EXPECT_TRUE(journal_.Has("receiver old shutdown"));
  EXPECT_TRUE(journal_.Has("receiver new start"));
  EXPECT_TRUE(journal_.Has("exporter new start"));
  EXPECT_FALSE(journal_.Has("exporter old shutdown"));
  journal_.ReleaseExporters();
  runner.Shutdown();
  EXPECT_TRUE(journal_.Has("exporter old shutdown"));
  EXPECT_TRUE(journal_.Has("exporter old destroyed"));
  EXPECT_TRUE(journal_.Has("exporter new destroyed"));
}

TEST_F(ServiceRunnerTest, ANewConfigThatFailsToStartBringsThePreviousOneBack) {
  ServiceRunner runner(*registry_, env_.telemetry, env_.io.context(), env_.clock, {},
                       FastHandover());
  ASSERT_TRUE(runner.Start(Load(Yaml("{tag: old}"))).ok());
  auto outcome = runner.Reload(Load(Yaml("{tag: new, fail_start: true}")));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, ServiceRunner::ReloadOutcome::kRestored);
  std::vector<std::string> events = journal_.Events();
  // The old receiver stopped, then a receiver of the old config started again.
  EXPECT_EQ(std::count(events.begin(), events.end(), "receiver old start"), 2)
      << absl::StrJoin(events, "\n");
  ASSERT_NE(runner.service(), nullptr);
  EXPECT_EQ(runner.service()->config().receivers.count("fake"), 1u);
}

TEST_F(ServiceRunnerTest, ANewConfigNeedingAPortInUseNeverStopsTheRunningOne) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);

  ServiceRunner runner(*registry_, env_.telemetry, env_.io.context(), env_.clock, {},
                       FastHandover());
  ASSERT_TRUE(runner.Start(Load(Yaml("{tag: old}", "{}", "", "  memory_limit_mib: 64\n"))).ok());
  EXPECT_EQ(pipeline::MemoryBudget::Process().limit(), size_t{64} << 20);
  auto outcome = runner.Reload(
      Load(Yaml("{tag: new}", "{}", absl::StrCat("127.0.0.1:", port), "  memory_limit_mib: 32\n")));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, ServiceRunner::ReloadOutcome::kRefused);
  EXPECT_FALSE(journal_.Has("receiver old shutdown"));
  EXPECT_FALSE(journal_.Has("receiver new start"));
  EXPECT_EQ(pipeline::MemoryBudget::Process().limit(), size_t{64} << 20);

  // At start-up the same check names the port and the component.
  ServiceRunner second(*registry_, env_.telemetry, env_.io.context(), env_.clock, {});
  absl::Status s = second.Start(Load(Yaml("{}", "{}", absl::StrCat("127.0.0.1:", port))));
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("extensions.fake/listening: cannot listen on "
                                                  "127.0.0.1:",
                                                  port, ": port ", port, " is in use")));
  close(fd);
}

}  // namespace
}  // namespace weir::service
