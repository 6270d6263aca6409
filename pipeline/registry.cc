#include "pipeline/registry.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace weir::pipeline {
namespace {

bool Matches(const Factory& f, absl::string_view type) {
  if (f.type() == type) return true;
  for (absl::string_view alias : f.aliases())
    if (alias == type) return true;
  return false;
}

template <typename F>
const F* FindIn(const std::vector<std::unique_ptr<F>>& list, absl::string_view type) {
  for (const auto& f : list)
    if (Matches(*f, type)) return f.get();
  return nullptr;
}

}  // namespace

bool ComponentId::Parse(absl::string_view text, ComponentId* id, std::string* error) {
  size_t slash = text.find('/');
  absl::string_view type = text.substr(0, slash);
  absl::string_view name = slash == absl::string_view::npos ? "" : text.substr(slash + 1);
  bool valid = !type.empty() && absl::ascii_isalpha(type[0]);
  for (char c : type) valid = valid && (absl::ascii_isalnum(c) || c == '_');
  if (!valid) {
    *error = absl::StrCat("invalid component id \"", text,
                          "\": the type must start with a letter and contain only letters, "
                          "digits and _");
    return false;
  }
  if (slash != absl::string_view::npos && name.empty()) {
    *error = absl::StrCat("invalid component id \"", text, "\": the name after / is empty");
    return false;
  }
  id->type = std::string(type);
  id->name = std::string(name);
  return true;
}

absl::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kReceiver:
      return "receiver";
    case Kind::kProcessor:
      return "processor";
    case Kind::kExporter:
      return "exporter";
    case Kind::kExtension:
      return "extension";
  }
  return "";
}

absl::string_view SectionName(Kind kind) {
  switch (kind) {
    case Kind::kReceiver:
      return "receivers";
    case Kind::kProcessor:
      return "processors";
    case Kind::kExporter:
      return "exporters";
    case Kind::kExtension:
      return "extensions";
  }
  return "";
}

absl::Status Registry::Check(Kind kind, const Factory& factory) const {
  std::vector<absl::string_view> names = factory.aliases();
  names.push_back(factory.type());
  for (absl::string_view n : names) {
    if (Find(kind, n) != nullptr) {
      return absl::AlreadyExistsError(
          absl::StrCat("duplicate ", KindName(kind), " factory for type \"", n, "\""));
    }
  }
  return absl::OkStatus();
}

#define WEIR_REGISTRY_ADD(Type, kind, list)                        \
  absl::Status Registry::Add(std::unique_ptr<Type> factory) {      \
    if (absl::Status s = Check(kind, *factory); !s.ok()) return s; \
    list.push_back(std::move(factory));                            \
    return absl::OkStatus();                                       \
  }
WEIR_REGISTRY_ADD(ReceiverFactory, Kind::kReceiver, receivers_)
WEIR_REGISTRY_ADD(ProcessorFactory, Kind::kProcessor, processors_)
WEIR_REGISTRY_ADD(ExporterFactory, Kind::kExporter, exporters_)
WEIR_REGISTRY_ADD(ExtensionFactory, Kind::kExtension, extensions_)
#undef WEIR_REGISTRY_ADD

const Factory* Registry::Find(Kind kind, absl::string_view type) const {
  switch (kind) {
    case Kind::kReceiver:
      return FindIn(receivers_, type);
    case Kind::kProcessor:
      return FindIn(processors_, type);
    case Kind::kExporter:
      return FindIn(exporters_, type);
    case Kind::kExtension:
      return FindIn(extensions_, type);
  }
  return nullptr;
}

const ReceiverFactory* Registry::Receiver(absl::string_view type) const {
  return FindIn(receivers_, type);
}
const ProcessorFactory* Registry::Processor(absl::string_view type) const {
  return FindIn(processors_, type);
}
const ExporterFactory* Registry::Exporter(absl::string_view type) const {
  return FindIn(exporters_, type);
}
const ExtensionFactory* Registry::ExtensionType(absl::string_view type) const {
  return FindIn(extensions_, type);
}

std::vector<std::string> Registry::Types(Kind kind) const {
  std::vector<std::string> out;
  auto collect = [&](const auto& list) {
    for (const auto& f : list) out.emplace_back(f->type());
  };
  switch (kind) {
    case Kind::kReceiver:
      collect(receivers_);
      break;
    case Kind::kProcessor:
      collect(processors_);
      break;
    case Kind::kExporter:
      collect(exporters_);
      break;
    case Kind::kExtension:
      collect(extensions_);
      break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace weir::pipeline
