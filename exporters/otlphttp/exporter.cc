#include "exporters/otlphttp/exporter.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "exporters/otlphttp/sender.h"
#include "pipeline/auth.h"
#include "pipeline/telemetry/logger.h"

namespace weir::exporters::otlphttp {

Exporter::Exporter(const pipeline::Settings& settings, const Config& config)
    : Exporter(settings, config, new HttpSender(settings.id.ToString(), config)) {}

Exporter::Exporter(const pipeline::Settings& settings, const Config& config, HttpSender* sender)
    : QueuedExporter(settings, config.exporter, std::unique_ptr<helper::Sender>(sender)),
      auth_(config.auth),
      sender_(sender) {
  if (auth_ && !config.traces_url.https) {
    log::Warn("exporter/otlphttp", "%s: the credentials of %s go to %s without TLS",
              settings.id.ToString(), auth_->authenticator, config.traces_url.text);
  }
}

absl::Status Exporter::Start(pipeline::Host& host) {
  absl::StatusOr<const pipeline::ClientAuthenticator*> found =
      pipeline::FindExporterAuthenticator(host, auth_);
  if (!found.ok()) return found.status();
  if (*found != nullptr) sender_->set_authenticator(*found);
  return QueuedExporter::Start(host);
}

}  // namespace weir::exporters::otlphttp
