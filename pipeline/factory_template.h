// Factory templates: a component's factory in one line. Each template implements one of the
// Factory interfaces in pipeline/factory.h from four things the component already has: its YAML
// type name (and aliases), its config type, the function that decodes that config, and its
// component class. Example, in a component's factory.h:
//
//   using Factory = pipeline::ExporterFactoryFor<"otlp", Config, DecodeConfig, Exporter,
//                                                "otlp_grpc">;
//
// The factory then:
//   - answers type() with the first name and aliases() with the rest;
//   - forwards DecodeConfig(node) to `kDecode(node)`;
//   - answers ListenEndpoints(config) with `config.ListenEndpoints()` when ConfigT declares
//     `std::vector<std::string> ListenEndpoints() const`, and with nothing otherwise;
//   - answers AuthReferences(config) with `config.AuthReferences()` when ConfigT declares
//     `std::vector<AuthReference> AuthReferences() const`, and with nothing otherwise;
//   - (extensions) answers authenticator() with whether ConfigT declares
//     `AuthRoles auth_roles() const`, and AuthenticatorRoles(config) with it;
//   - creates the component with `std::make_unique<ComponentT>(settings, config)` (receivers and
//     processors also get `next`), `config` downcast to `const ConfigT&`.
//
// REQUIRES: ConfigT derives from ComponentConfig. ComponentT derives from the component type
// the interface creates (Component, TracesProcessor, TracesExporter, Extension) and has the
// constructor above. Both are complete where the factory is constructed.
//
// Threading: factories are stateless and immutable; every method may be called concurrently.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "config/node.h"
#include "pipeline/component.h"
#include "pipeline/factory.h"

namespace weir::pipeline {

// A string literal usable as a template argument: `FactoryFor<"otlp", ...>`. N counts the
// terminating NUL.
template <size_t N>
struct TypeName {
  // Implicit so a literal converts where a TypeName template argument is expected.
  constexpr TypeName(const char (&name)[N]) { std::copy_n(name, N, value); }  // NOLINT
  constexpr absl::string_view view() const { return absl::string_view(value, N - 1); }
  char value[N];
};

namespace factory_internal {

// What the four templates share: names, decoding, listen endpoints. `Interface` is one of the
// Factory interfaces.
template <typename Interface, TypeName kType, typename ConfigT,
          std::unique_ptr<ConfigT> (*kDecode)(config::Node), TypeName... kAliases>
class FactoryBase : public Interface {
  static_assert(std::is_base_of_v<ComponentConfig, ConfigT>,
                "a factory's ConfigT must derive from pipeline::ComponentConfig");

 public:
  absl::string_view type() const final { return kType.view(); }
  std::vector<absl::string_view> aliases() const final { return {kAliases.view()...}; }
  std::unique_ptr<ComponentConfig> DecodeConfig(config::Node node) const final {
    return kDecode(node);
  }
  std::vector<std::string> ListenEndpoints(const ComponentConfig& config) const final {
    if constexpr (requires(const ConfigT& c) {
                    { c.ListenEndpoints() } -> std::convertible_to<std::vector<std::string>>;
                  }) {
      return ConfigAs<ConfigT>(config).ListenEndpoints();
    } else {
      return {};
    }
  }
  std::vector<AuthReference> AuthReferences(const ComponentConfig& config) const final {
    if constexpr (requires(const ConfigT& c) {
                    { c.AuthReferences() } -> std::convertible_to<std::vector<AuthReference>>;
                  }) {
      return ConfigAs<ConfigT>(config).AuthReferences();
    } else {
      return {};
    }
  }
};

}  // namespace factory_internal

// A ReceiverFactory creating `ReceiverT(settings, config, next)`.
template <TypeName kType, typename ConfigT, std::unique_ptr<ConfigT> (*kDecode)(config::Node),
          typename ReceiverT, TypeName... kAliases>
class ReceiverFactoryFor final
    : public factory_internal::FactoryBase<ReceiverFactory, kType, ConfigT, kDecode, kAliases...> {
 public:
  absl::StatusOr<std::unique_ptr<Component>> CreateTraces(const Settings& settings,
                                                          const ComponentConfig& config,
                                                          TracesConsumer& next) const override {
    return std::make_unique<ReceiverT>(settings, ConfigAs<ConfigT>(config), next);
  }
};

// A ProcessorFactory creating `ProcessorT(settings, config, next)`.
template <TypeName kType, typename ConfigT, std::unique_ptr<ConfigT> (*kDecode)(config::Node),
          typename ProcessorT, TypeName... kAliases>
class ProcessorFactoryFor final
    : public factory_internal::FactoryBase<ProcessorFactory, kType, ConfigT, kDecode, kAliases...> {
 public:
  absl::StatusOr<std::unique_ptr<TracesProcessor>> CreateTraces(
      const Settings& settings, const ComponentConfig& config,
      TracesConsumer& next) const override {
    return std::make_unique<ProcessorT>(settings, ConfigAs<ConfigT>(config), next);
  }
};

// An ExporterFactory creating `ExporterT(settings, config)`.
template <TypeName kType, typename ConfigT, std::unique_ptr<ConfigT> (*kDecode)(config::Node),
          typename ExporterT, TypeName... kAliases>
class ExporterFactoryFor final
    : public factory_internal::FactoryBase<ExporterFactory, kType, ConfigT, kDecode, kAliases...> {
 public:
  absl::StatusOr<std::unique_ptr<TracesExporter>> CreateTraces(
      const Settings& settings, const ComponentConfig& config) const override {
    return std::make_unique<ExporterT>(settings, ConfigAs<ConfigT>(config));
  }
};

// An ExtensionFactory creating `ExtensionT(settings, config)`.
template <TypeName kType, typename ConfigT, std::unique_ptr<ConfigT> (*kDecode)(config::Node),
          typename ExtensionT, TypeName... kAliases>
class ExtensionFactoryFor final
    : public factory_internal::FactoryBase<ExtensionFactory, kType, ConfigT, kDecode, kAliases...> {
 public:
  absl::StatusOr<std::unique_ptr<Extension>> Create(const Settings& settings,
                                                    const ComponentConfig& config) const override {
    return std::make_unique<ExtensionT>(settings, ConfigAs<ConfigT>(config));
  }
  bool authenticator() const override { return kIsAuthenticator; }
  AuthRoles AuthenticatorRoles(const ComponentConfig& config) const override {
    if constexpr (kIsAuthenticator) {
      return ConfigAs<ConfigT>(config).auth_roles();
    } else {
      return {};
    }
  }

 private:
  static constexpr bool kIsAuthenticator = requires(const ConfigT& c) {
    { c.auth_roles() } -> std::convertible_to<AuthRoles>;
  };
};

}  // namespace weir::pipeline
