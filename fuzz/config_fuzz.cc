// Fuzz target for configuration loading, as `weir validate` does it: YAML parsing, ${env:...}
// expansion, the merge of several documents, and the strict decoding of every compiled-in
// component. Never crashes or throws; a document refused has at least one problem, with a
// message. The input is split at the first "\n---split---\n" into a base and an overlay.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cmd/weir/components.h"
#include "config/diagnostics.h"
#include "config/loader.h"
#include "pipeline/service/service_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* registry = weir::Components()->release();
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string overlay;
  constexpr char kSplit[] = "\n---split---\n";
  if (size_t at = text.find(kSplit); at != std::string::npos) {
    overlay = text.substr(at + sizeof(kSplit) - 1);
    text.resize(at);
  }
  weir::config::Diagnostics diagnostics;
  YAML::Node document = weir::config::LoadString(text, "base", &diagnostics);
  if (!overlay.empty() && diagnostics.ok()) {
    YAML::Node more = weir::config::LoadString(overlay, "overlay", &diagnostics);
    if (diagnostics.ok()) document = weir::config::Merge(document, more);
  }
  if (!diagnostics.ok()) {
    if (diagnostics.problems().empty()) std::abort();
    return 0;
  }
  auto config = weir::service::DecodeServiceConfig(document, *registry, &diagnostics);
  for (const auto& problem : diagnostics.problems()) {
    if (problem.message.empty()) std::abort();
  }
  if (diagnostics.ok()) {
    if (config == nullptr) std::abort();
    (void)weir::service::ListenersOf(*config);
  }
  return 0;
}
