#include "exporters/jaeger/exporter.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "exporters/jaeger/sender.h"
#include "pipeline/telemetry/logger.h"

namespace weir::exporters::jaeger {

namespace {

AuthSender* MakeSender(const pipeline::Settings& settings, const Config& config) {
  if (config.protocol == Protocol::kThriftHttp) {
    return new ThriftHttpSender(settings.id.ToString(), config);
  }
  return new GrpcSender(settings.id.ToString(), config);
}

}  // namespace

Exporter::Exporter(const pipeline::Settings& settings, const Config& config)
    : Exporter(settings, config, MakeSender(settings, config)) {}

Exporter::Exporter(const pipeline::Settings& settings, const Config& config, AuthSender* sender)
    : QueuedExporter(settings, config.exporter, std::unique_ptr<helper::Sender>(sender)),
      auth_(config.auth_config()),
      sender_(sender) {
  const bool plaintext =
      config.protocol == Protocol::kGrpc ? !config.grpc.use_tls : !config.url.https;
  if (auth_ && plaintext) {
    log::Warn(kComponent, "%s: the credentials of %s go to %s without TLS", settings.id.ToString(),
              auth_->authenticator,
              config.protocol == Protocol::kGrpc ? config.grpc.endpoint : config.endpoint);
  }
}

absl::Status Exporter::Start(pipeline::Host& host) {
  absl::StatusOr<const pipeline::ClientAuthenticator*> found =
      pipeline::FindExporterAuthenticator(host, auth_);
  if (!found.ok()) return found.status();
  if (*found != nullptr) sender_->set_authenticator(*found);
  return QueuedExporter::Start(host);
}

}  // namespace weir::exporters::jaeger
