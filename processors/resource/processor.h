// The `resource` processor: the attribute actions (insert, update, upsert, delete, hash,
// extract, convert) on every resource's attributes — otelcol's resource processor. A resource
// the actions leave alone passes as bytes; one they change is decoded and re-encoded (its spans
// stay bytes).
//
// Threading: stateless after construction; ConsumeTraces from any thread. The batch goes on to
// the next consumer in the same call, whose answer is returned.
#pragma once

#include "pipeline/component.h"
#include "processors/resource/config.h"

namespace weir::processors::resource {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next)
      : config_(config), next_(next) {}

  absl::Status Start(pipeline::Host& host) override { return absl::OkStatus(); }
  void Shutdown(absl::Time deadline) override {}
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

 private:
  const Config config_;
  pipeline::TracesConsumer& next_;
};

}  // namespace weir::processors::resource
