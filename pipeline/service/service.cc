#include "pipeline/service/service.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"
#include "pipeline/telemetry/logger.h"

namespace weir::service {

namespace http = boost::beast::http;

Service::Service(std::unique_ptr<ServiceConfig> config, Telemetry& telemetry,
                 boost::asio::io_context& io, Clock& clock,
                 std::function<void(const absl::Status&)> on_fatal)
    : config_(std::move(config)),
      telemetry_(telemetry),
      io_(io),
      clock_(clock),
      on_fatal_(std::move(on_fatal)) {}

Service::~Service() { Shutdown(absl::Now() + absl::Seconds(5)); }

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
    extensions_.push_back({id, std::move(*ext)});
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
      auto proc = factory->CreateTraces(MakeSettings(e, p.id), *e.config, *next);
      if (!proc.ok()) {
        return absl::Status(
            proc.status().code(),
            absl::StrCat("processors.", *it, " in pipeline ", p.id, ": ", proc.status().message()));
      }
      next = proc->get();
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
    metrics_server_ =
        std::make_unique<HttpServer>(io_, std::move(options), [this](HttpRequest& request) {
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
                                  "text/plain; version=0.0.4; charset=utf-8", telemetry_.Scrape());
        });
  }
  return absl::OkStatus();
}

absl::Status Service::Start() {
  auto start = [&](const std::string& kind, const std::string& id, Component& c) {
    absl::Status s = c.Start(*this);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(kind, ".", id, ": ", s.message()));
    }
    started_.push_back(&c);
    return absl::OkStatus();
  };
  absl::Status status;
  for (auto& e : extensions_)
    if (status.ok()) status = start("extensions", e.id, *e.component);
  for (auto& e : exporters_)
    if (status.ok()) status = start("exporters", e.id, *e.component);
  for (auto& p : processors_)
    if (status.ok()) status = start("processors", p.id, *p.component);
  for (auto& r : receivers_)
    if (status.ok()) status = start("receivers", r.id, *r.component);
  if (status.ok() && metrics_server_) {
    status = metrics_server_->Start();
    if (status.ok()) {
      log::Info("service", "metrics listening on %s (/metrics)", metrics_server_->bound_address());
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

void Service::Shutdown(absl::Time deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& e : extensions_) e.component->OnPipelinesReady(false);
  // Reverse start order: receivers stop intake, processors flush, exporters drain.
  for (auto it = started_.rbegin(); it != started_.rend(); ++it) (*it)->Shutdown(deadline);
  started_.clear();
  if (metrics_server_) metrics_server_->Shutdown(deadline);
}

std::string Service::metrics_address() const {
  return metrics_server_ ? metrics_server_->bound_address() : "";
}

void Service::ReportFatalError(const absl::Status& status) {
  {
    absl::MutexLock lock(&fatal_mu_);
    if (fatal_reported_) return;
    fatal_reported_ = true;
  }
  log::Error("service", "fatal component error: %s", status.ToString());
  if (on_fatal_) on_fatal_(status);
}

}  // namespace weir::service
