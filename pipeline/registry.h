// Registry: the compiled-in factories, one list per kind, looked up by YAML type name.
//
// Threading: filled once at start-up, read-only afterwards.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pipeline/factory.h"

namespace weir::pipeline {

enum class Kind { kReceiver, kProcessor, kExporter, kExtension };
absl::string_view KindName(Kind kind);     // "receiver"
absl::string_view SectionName(Kind kind);  // "receivers"

class Registry {
 public:
  // Each returns AlreadyExists when the type (or an alias) is already registered for the kind.
  absl::Status Add(std::unique_ptr<ReceiverFactory> factory);
  absl::Status Add(std::unique_ptr<ProcessorFactory> factory);
  absl::Status Add(std::unique_ptr<ExporterFactory> factory);
  absl::Status Add(std::unique_ptr<ExtensionFactory> factory);

  // nullptr when unknown.
  const Factory* Find(Kind kind, absl::string_view type) const;
  const ReceiverFactory* Receiver(absl::string_view type) const;
  const ProcessorFactory* Processor(absl::string_view type) const;
  const ExporterFactory* Exporter(absl::string_view type) const;
  const ExtensionFactory* ExtensionType(absl::string_view type) const;

  // Primary type names of a kind, sorted.
  std::vector<std::string> Types(Kind kind) const;

 private:
  absl::Status Check(Kind kind, const Factory& factory) const;
  std::vector<std::unique_ptr<ReceiverFactory>> receivers_;
  std::vector<std::unique_ptr<ProcessorFactory>> processors_;
  std::vector<std::unique_ptr<ExporterFactory>> exporters_;
  std::vector<std::unique_ptr<ExtensionFactory>> extensions_;
};

}  // namespace weir::pipeline
