#include "processors/filter/config.h"

#include "absl/strings/str_cat.h"

namespace weir::processors::filter {

namespace {

void ReadConditions(config::Node& node, absl::string_view key, pipeline::ottl::Context context,
                    std::vector<pipeline::ottl::Condition>* out) {
  std::vector<std::string> texts;
  if (!node.Read(key, &texts)) return;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto c = pipeline::ottl::Condition::Parse(texts[i], context);
    if (!c.ok()) {
      node.ErrorAt(key, absl::StrCat("[", i, "]: ", c.status().message()));
      continue;
    }
    out->push_back(std::move(*c));
  }
}

}  // namespace

bool ParseErrorMode(absl::string_view text, pipeline::ottl::ErrorMode* out) {
  if (text == "ignore") {
    *out = pipeline::ottl::ErrorMode::kIgnore;
  } else if (text == "silent") {
    *out = pipeline::ottl::ErrorMode::kSilent;
  } else if (text == "propagate") {
    *out = pipeline::ottl::ErrorMode::kPropagate;
  } else {
    return false;
  }
  return true;
}

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  std::string mode;
  if (node.Read("error_mode", &mode) && !mode.empty() && !ParseErrorMode(mode, &cfg->error_mode)) {
    node.ErrorAt("error_mode", "must be ignore, silent or propagate");
  }
  config::Node traces = node.Child("traces");
  ReadConditions(traces, "span", pipeline::ottl::Context::kSpan, &cfg->span);
  ReadConditions(traces, "spanevent", pipeline::ottl::Context::kSpanEvent, &cfg->spanevent);
  if (traces.Has("resource")) {
    traces.ErrorAt("resource",
                   "resource conditions are not supported yet; use traces.span with "
                   "resource.attributes[\"...\"]");
  }
  traces.Child("resource");
  traces.RejectUnknownKeys();
  if (node.Has("trace_conditions")) {
    node.ErrorAt("trace_conditions", "is not supported yet; use traces.span and traces.spanevent");
  }
  node.Child("trace_conditions");
  config::Node spans = node.Child("spans");
  cfg->legacy = pipeline::transform::SpanMatcher::Read(spans);
  spans.RejectUnknownKeys();
  if (!cfg->legacy.empty() && (!cfg->span.empty() || !cfg->spanevent.empty())) {
    node.ErrorAt("spans",
                 "cannot use ottl conditions and include/exclude for spans at the same time");
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::processors::filter
