// The `attributes` processor: inserts, updates, upserts, deletes, hashes, extracts and converts
// span attributes, in config order, on the spans its include / exclude select — otelcol's
// attributes processor for traces (span attributes only; the `resource` processor edits
// resource attributes).
//
// On the wire: each span's attributes are read in place; a span the actions leave alone passes
// as bytes, a value inserted under a key the span lacks is encoded into the span's bytes, and
// only other changes decode the span.
//
// Threading: stateless after construction; ConsumeTraces from any thread. The batch goes on to
// the next consumer in the same call, whose answer is returned.
#pragma once

#include "pipeline/component.h"
#include "processors/attributes/config.h"

namespace weir::processors::attributes {

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

}  // namespace weir::processors::attributes
