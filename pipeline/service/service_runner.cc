#include "pipeline/service/service_runner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/notification.h"
#include "config/diagnostics.h"
#include "pipeline/memory_budget.h"
#include "pipeline/service/port_check.h"
#include "pipeline/telemetry/logger.h"

namespace weir::service {

namespace {

constexpr char kComponent[] = "service";

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

}  // namespace

// A retired service draining on its own thread; `drained` is notified when it is gone.
struct ServiceRunner::Retired {
  pipeline::Notification drained;
  std::thread thread;
};

ServiceRunner::ServiceRunner(const Registry& registry, Telemetry& telemetry,
                             boost::asio::io_context& io, Clock& clock,
                             std::function<void(const absl::Status&)> on_fatal, Options options)
    : registry_(registry),
      telemetry_(telemetry),
      io_(io),
      clock_(clock),
      on_fatal_(std::move(on_fatal)),
      options_(options) {}

ServiceRunner::~ServiceRunner() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Service>> ServiceRunner::Build(
    std::unique_ptr<ServiceConfig> config) {
  auto service = std::make_unique<Service>(std::move(config), telemetry_, io_, clock_, on_fatal_);
  absl::Status s = service->Build();
  if (!s.ok()) {
    service.reset();
    // Build set the budget's limit from the config that failed; the running one's applies.
    if (current_)
      pipeline::MemoryBudget::Process().set_limit(current_->config().memory_limit_bytes);
    return s;
  }
  return service;
}

absl::Status ServiceRunner::Start(LoadedConfig loaded) {
  std::vector<Listener> listeners = ListenersOf(*loaded.config);
  absl::StatusOr<std::unique_ptr<Service>> service = Build(std::move(loaded.config));
  if (!service.ok()) return service.status();
  if (absl::Status s = WaitForPortsFree(listeners, absl::InfinitePast()); !s.ok()) return s;
  if (absl::Status s = (*service)->Start(); !s.ok()) return s;
  current_ = std::move(*service);
  current_document_ = loaded.document;
  return absl::OkStatus();
}

void ServiceRunner::RetireCurrent() {
  std::unique_ptr<Service> old = std::move(current_);
  old->Retire();
  old->StopIntake(absl::Now() + old->config().shutdown_timeout);
  auto retired = std::make_unique<Retired>();
  absl::Time began = absl::Now();
  retired->thread =
      std::thread([service = std::move(old), drained = &retired->drained, began]() mutable {
        service->Drain();
        service.reset();
        log::Info(kComponent, "the previous configuration has drained (%d ms)",
                  Millis(absl::Now() - began));
        drained->Notify();
      });
  retired_.push_back(std::move(retired));
}

absl::StatusOr<ServiceRunner::ReloadOutcome> ServiceRunner::Reload(LoadedConfig next) {
  ReapDrained();
  std::vector<Listener> wanted = ListenersOf(*next.config);
  std::vector<Listener> shared, fresh_only;
  SplitByHeldPorts(wanted, ListenersOf(current_->config()), &shared, &fresh_only);

  // While the new graph is built and its new ports are checked, the old one serves on.
  absl::StatusOr<std::unique_ptr<Service>> fresh = Build(std::move(next.config));
  absl::Status refused = fresh.status();
  if (refused.ok()) refused = WaitForPortsFree(fresh_only, absl::InfinitePast());
  if (!refused.ok()) {
    if (fresh.ok()) fresh->reset();
    pipeline::MemoryBudget::Process().set_limit(current_->config().memory_limit_bytes);
    log::Error(kComponent, "reload refused: %s; the running configuration stays",
               refused.message());
    return ReloadOutcome::kRefused;
  }

  YAML::Node previous = current_document_;
  absl::Time paused = absl::Now();
  RetireCurrent();
  // A server may finish closing its listener after its Shutdown returned (the HTTP server
  // closes its acceptor on an I/O thread): bind only once the ports are free again.
  if (absl::Status s = WaitForPortsFree(shared, absl::Now() + options_.port_release_wait);
      !s.ok()) {
    log::Warn(kComponent, "after the previous configuration stopped listening: %s", s.message());
  }
  absl::Duration handover_left = options_.handover_wait - (absl::Now() - paused);
  if (!retired_.back()->drained.WaitForNotificationWithTimeout(handover_left)) {
    log::Info(kComponent,
              "the previous configuration is still draining (up to its shutdown_timeout); "
              "starting the new one beside it");
  }

  absl::Status started = (*fresh)->Start();
  if (started.ok()) {
    current_ = std::move(*fresh);
    current_document_ = next.document;
    log::Info(kComponent, "reload complete: the new configuration runs (intake paused %d ms)",
              Millis(absl::Now() - paused));
    return ReloadOutcome::kReloaded;
  }
  fresh->reset();
  log::Error(kComponent, "reload failed: %s; starting the previous configuration again",
             started.message());
  if (absl::Status s = Restore(previous); !s.ok()) {
    log::Error(kComponent, "cannot start the previous configuration again: %s", s.message());
    return s;
  }
  log::Info(kComponent, "the previous configuration runs again (intake paused %d ms)",
            Millis(absl::Now() - paused));
  return ReloadOutcome::kRestored;
}

absl::Status ServiceRunner::Restore(const YAML::Node& document) {
  config::Diagnostics diagnostics;
  std::unique_ptr<ServiceConfig> config = DecodeServiceConfig(document, registry_, &diagnostics);
  if (!diagnostics.ok()) {
    return absl::InternalError(
        absl::StrCat("it no longer decodes: ", config::FormatProblem(diagnostics.problems()[0])));
  }
  std::vector<Listener> listeners = ListenersOf(*config);
  absl::StatusOr<std::unique_ptr<Service>> service = Build(std::move(config));
  if (!service.ok()) return service.status();
  // The failed service may have bound some of these before it gave up.
  absl::Status s = WaitForPortsFree(listeners, absl::Now() + options_.port_release_wait);
  if (s.ok()) s = (*service)->Start();
  if (!s.ok()) return s;
  current_ = std::move(*service);
  current_document_ = document;
  return absl::OkStatus();
}

void ServiceRunner::ReapDrained() {
  std::erase_if(retired_, [](std::unique_ptr<Retired>& r) {
    if (!r->drained.HasBeenNotified()) return false;
    r->thread.join();
    return true;
  });
}

void ServiceRunner::Shutdown() {
  if (current_) {
    current_->Shutdown(absl::Now() + current_->config().shutdown_timeout);
    current_.reset();
  }
  for (auto& r : retired_) r->thread.join();
  retired_.clear();
}

}  // namespace weir::service
