#include "pipeline/service/service.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"
#include "pipeline/telemetry/logger.h"

namespace weir::service {

namespace http = boost::beast::http;

namespace {

// Counts the spans that pass on one edge of a pipeline, then hands them on.
class CountingConsumer final : public TracesConsumer {
 public:
  CountingConsumer(TracesConsumer& next, prometheus::Counter* counter)
      : next_(next), counter_(counter) {}
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override {
    counter_->Increment(static_cast<double>(batch.span_count()));
    return next_.ConsumeTraces(context, std::move(batch));
  }

 private:
  TracesConsumer& next_;
  prometheus::Counter* counter_;
};

}  // namespace

Service::Service(std::unique_ptr<ServiceConfig> config, Telemetry& telemetry,
                 boost::asio::io_context& io, Clock& clock,
                 std::function<void(const absl::Status&)> on_fatal)
    : config_(std::move(config)),
      telemetry_(telemetry),
      io_(io),
      clock_(clock),
      on_fatal_(std::move(on_fatal)) {}

Service::~Service() {
  Shutdown(absl::Now() + absl::Seconds(5));
  // Whatever feeds a component goes before it: nothing can call into a destroyed consumer.
  metrics_server_.reset();
  while (!receivers_.empty()) receivers_.pop_back();
  while (!processors_.empty()) processors_.pop_back();  // first processor of a pipeline first
  edges_.clear();
  fanouts_.clear();
  while (!exporters_.empty()) exporters_.pop_back();
  while (!extensions_.empty()) extensions_.pop_back();
}

Settings Service::MakeSettings(const ComponentEntry& entry, std::string pipeline) {
  Settings s;
  s.id = entry.id;
  s.telemetry = &telemetry_;
  s.io = &io_;
  s.clock = &clock_;
  s.pipeline = std::move(pipeline);
  return s;
}

TracesConsumer* Service::Combine(std::vector<TracesConsumer*> consumers) {
  if (consumers.size() == 1) return consumers[0];
  fanouts_.push_back(std::make_unique<FanoutConsumer>(std::move(consumers)));
  return fanouts_.back().get();
}

TracesConsumer* Service::CountingEdge(TracesConsumer& next, prometheus::Counter* counter) {
  edges_.push_back(std::make_unique<CountingConsumer>(next, counter));
  return edges_.back().get();
}

absl::Status Service::Build() {
  // Receivers start refusing once the spans held reach this many bytes; exporters size their
  // default queues from it.
  pipeline::MemoryBudget::Process().set_limit(config_->memory_limit_bytes);
  for (const std::string& id : config_->enabled_extensions) {
    const ComponentEntry& e = config_->extensions.at(id);
    auto* factory = static_cast<const ExtensionFactory*>(e.factory);
    auto ext = factory->Create(MakeSettings(e), *e.config);
    if (!ext.ok())
      return absl::Status(ext.status().code(),
                          absl::StrCat("extensions.", id, ": ", ext.status().message()));
    extensions_.push_back({id, std::move(*ext), !factory->ListenEndpoints(*e.config).empty()});
  }

  std::map<std::string, TracesExporter*> exporters;
  std::set<std::string> used_exporters;
  for (const PipelineSpec& p : config_->pipelines)
    used_exporters.insert(p.exporters.begin(), p.exporters.end());
  for (const std::string& id : used_exporters) {
    const ComponentEntry& e = config_->exporters.at(id);
    auto* factory = static_cast<const ExporterFactory*>(e.factory);
    auto exp = factory->CreateTraces(MakeSettings(e), *e.config);
    if (!exp.ok())
      return absl::Status(exp.status().code(),
                          absl::StrCat("exporters.", id, ": ", exp.status().message()));
    exporters[id] = exp->get();
    exporters_.push_back({id, std::move(*exp)});
  }

  std::map<std::string, std::vector<TracesConsumer*>> receiver_targets;
  for (const PipelineSpec& p : config_->pipelines) {
    std::vector<TracesConsumer*> outs;
    for (const std::string& id : p.exporters) outs.push_back(exporters.at(id));
    TracesConsumer* next = Combine(std::move(outs));
    for (auto it = p.processors.rbegin(); it != p.processors.rend(); ++it) {
      const ComponentEntry& e = config_->processors.at(*it);
      auto* factory = static_cast<const ProcessorFactory*>(e.factory);
      telemetry::ProcessorMetrics counts(telemetry_, *it);
      next = CountingEdge(*next, counts.outgoing());
      auto proc = factory->CreateTraces(MakeSettings(e, p.id), *e.config, *next);
      if (!proc.ok()) {
        return absl::Status(
            proc.status().code(),
            absl::StrCat("processors.", *it, " in pipeline ", p.id, ": ", proc.status().message()));
      }
      next = CountingEdge(**proc, counts.incoming());
      processors_.push_back({absl::StrCat(*it, " (", p.id, ")"), std::move(*proc)});
    }
    for (const std::string& id : p.receivers) receiver_targets[id].push_back(next);
  }

  for (auto& [id, targets] : receiver_targets) {
    const ComponentEntry& e = config_->receivers.at(id);
    auto* factory = static_cast<const ReceiverFactory*>(e.factory);
    auto rcv = factory->CreateTraces(MakeSettings(e), *e.config, *Combine(targets));
    if (!rcv.ok())
      return absl::Status(rcv.status().code(),
                          absl::StrCat("receivers.", id, ": ", rcv.status().message()));
    receivers_.push_back({id, std::move(*rcv)});
  }

  if (!config_->telemetry.metrics_address.empty()) {
    HttpServerOptions options;
    options.endpoint = config_->telemetry.metrics_address;
    options.name = "metrics";
    options.max_body_bytes = 64 * 1024;
    // The handler reads only the registry, which outlives the I/O threads, so a scrape that is
    // still being answered when this service is gone touches nothing it owned.
    metrics_server_ = std::make_unique<HttpServer>(
        io_, std::move(options), [telemetry = &telemetry_](HttpRequest& request) {
          if (request.target() != "/metrics") {
            return MakeHttpResponse(request, http::status::not_found, "text/plain",
                                    "not found; metrics are at /metrics\n");
          }
          if (request.method() != http::verb::get && request.method() != http::verb::head) {
            auto r = MakeHttpResponse(request, http::status::method_not_allowed, "text/plain",
                                      "method not allowed\n");
            r.set(http::field::allow, "GET, HEAD");
            return r;
          }
          return MakeHttpResponse(request, http::status::ok,
                                  "text/plain; version=0.0.4; charset=utf-8", telemetry->Scrape());
        });
  }
  return absl::OkStatus();
}

absl::Status Service::Start() {
  auto start = [&](const std::string& kind, auto& named) {
    absl::Status s = named.component->Start(*this);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(kind, ".", named.id, ": ", s.message()));
    }
    named.started = true;
    return absl::OkStatus();
  };
  absl::Status status;
  for (auto& e : extensions_)
    if (status.ok()) status = start("extensions", e);
  for (auto& e : exporters_)
    if (status.ok()) status = start("exporters", e);
  for (auto& p : processors_)
    if (status.ok()) status = start("processors", p);
  for (auto& r : receivers_)
    if (status.ok()) status = start("receivers", r);
  if (status.ok() && metrics_server_) {
    status = metrics_server_->Start();
    if (status.ok()) {
      metrics_started_ = true;
      log::Info("service", "metrics listening on %s (/metrics)", metrics_server_->bound_address());
    } else {
      status = absl::Status(status.code(),
                            absl::StrCat("service.telemetry.metrics: ", status.message()));
    }
  }
  if (!status.ok()) {
    Shutdown(absl::Now() + absl::Seconds(5));
    return status;
  }
  for (auto& e : extensions_) e.component->OnPipelinesReady(true);
  log::Info("service", "everything is ready; %d pipeline(s) running", config_->pipelines.size());
  return absl::OkStatus();
}

absl::Time Service::StageDeadline(double share, double reserve) const {
  absl::Duration total = shutdown_deadline_ - shutdown_start_;
  absl::Time now = absl::Now();
  absl::Time latest = shutdown_deadline_ - total * reserve;
  return std::max(now, std::min(now + total * share, latest));
}

template <typename T>
void Service::ShutdownStarted(std::vector<Named<T>>& components, absl::Time deadline,
                              bool listening_only) {
  for (auto it = components.rbegin(); it != components.rend(); ++it) {
    if (!it->started || (listening_only && !it->listens)) continue;
    it->started = false;
    it->component->Shutdown(deadline);
  }
}

void Service::Shutdown(absl::Time deadline) {
  StopIntake(deadline);
  Drain();
}

void Service::StopIntake(absl::Time deadline) {
  if (intake_stopped_) return;
  intake_stopped_ = true;
  shutdown_start_ = absl::Now();
  shutdown_deadline_ = std::max(deadline, shutdown_start_);
  for (auto& e : extensions_)
    if (e.started) e.component->OnPipelinesReady(false);
  absl::Time stage = StageDeadline(0.10, 0.85);
  ShutdownStarted(receivers_, stage);
  ShutdownStarted(extensions_, stage, /*listening_only=*/true);
  if (metrics_started_) metrics_server_->Shutdown(stage);
  metrics_started_ = false;
}

void Service::Drain() {
  if (drained_ || !intake_stopped_) return;
  drained_ = true;
  ShutdownStarted(processors_, StageDeadline(0.30, 0.55));
  ShutdownStarted(exporters_, StageDeadline(1.0, 0.05));
  ShutdownStarted(extensions_, StageDeadline(1.0, 0.0));
}

std::string Service::metrics_address() const {
  return metrics_server_ ? metrics_server_->bound_address() : "";
}

pipeline::Extension* Service::GetExtension(absl::string_view id) {
  for (auto& e : extensions_) {
    if (e.id == id) return e.component.get();
  }
  return nullptr;
}

void Service::ReportFatalError(const absl::Status& status) {
  if (retired_) {
    log::Warn("service", "component error in the configuration being replaced: %s",
              status.ToString());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    if (fatal_reported_) return;
    fatal_reported_ = true;
  }
  log::Error("service", "fatal component error: %s", status.ToString());
  if (on_fatal_) on_fatal_(status);
}

}  // namespace weir::service
