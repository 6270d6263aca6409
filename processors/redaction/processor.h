// The `redaction` processor: removes attributes that are not allowed, masks (or hashes) what
// matches the blocked patterns, sanitizes URLs and database statements, and can write
// otelcol's redaction.* summary attributes. It covers resource, scope, span, span event and
// span link attributes; with weir's redact_names also span names, event names and status
// messages. The decision rules are in rules.h.
//
// On the wire: each span's attribute lists are read in place, and only a span (resource,
// scope) that a rule changes is decoded, edited and re-encoded; the rest pass as bytes.
// With dry_run nothing changes: what would have been redacted is counted per rule and a
// sample is logged at debug level (keys and rules, never values).
//
// Threading: stateless after construction apart from atomic counters; ConsumeTraces from any
// thread. The batch goes on to the next consumer in the same call, whose answer is returned.
#pragma once

#include <memory>

#include "pipeline/component.h"
#include "processors/redaction/config.h"

namespace weir::processors::redaction {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next);
  ~Processor() override;

  absl::Status Start(pipeline::Host& host) override { return absl::OkStatus(); }
  void Shutdown(absl::Time deadline) override {}
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace weir::processors::redaction
