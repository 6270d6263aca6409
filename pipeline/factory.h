// Factories create components of one YAML type. Each decodes and validates its config strictly
// at config time; creation at run time then cannot fail on config.
//
// Threading: factories are immutable and used from the control thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/node.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::pipeline {

class Factory {
 public:
  virtual ~Factory() = default;
  // The YAML type name, e.g. "otlp".
  virtual absl::string_view type() const = 0;
  // Other accepted type names, e.g. "otlp_grpc" for the OTLP exporter.
  virtual std::vector<absl::string_view> aliases() const { return {}; }
  // Decodes `node` (unset means "all defaults") and validates the result. Every problem goes to
  // node.diagnostics() with its path; the returned config is only used when there is none.
  virtual std::unique_ptr<ComponentConfig> DecodeConfig(config::Node node) const = 0;
  // The host:port endpoints this config listens on, for the "two listeners on one port" check.
  virtual std::vector<std::string> ListenEndpoints(const ComponentConfig& config) const {
    return {};
  }
  // The `auth` blocks of this config, for the check that each names an enabled authenticator
  // extension of the right role.
  virtual std::vector<AuthReference> AuthReferences(const ComponentConfig& config) const {
    return {};
  }
};

class ReceiverFactory : public Factory {
 public:
  virtual absl::StatusOr<std::unique_ptr<Component>> CreateTraces(const Settings& settings,
                                                                  const ComponentConfig& config,
                                                                  TracesConsumer& next) const = 0;
};

class ProcessorFactory : public Factory {
 public:
  virtual absl::StatusOr<std::unique_ptr<TracesProcessor>> CreateTraces(
      const Settings& settings, const ComponentConfig& config, TracesConsumer& next) const = 0;
};

class ExporterFactory : public Factory {
 public:
  virtual absl::StatusOr<std::unique_ptr<TracesExporter>> CreateTraces(
      const Settings& settings, const ComponentConfig& config) const = 0;
};

class ExtensionFactory : public Factory {
 public:
  virtual absl::StatusOr<std::unique_ptr<Extension>> Create(
      const Settings& settings, const ComponentConfig& config) const = 0;
  // Whether extensions of this type are authenticators at all (for the config check's
  // message), and which roles this config of the type can play.
  virtual bool authenticator() const { return false; }
  virtual AuthRoles AuthenticatorRoles(const ComponentConfig& config) const { return {}; }
};

// Downcasts a config to the factory's own type.
template <typename T>
const T& ConfigAs(const ComponentConfig& config) {
  return static_cast<const T&>(config);
}

}  // namespace weir::pipeline
