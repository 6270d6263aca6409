// The `filter` processor: drops the spans for which any `traces.span` condition holds, and the
// events of the remaining spans for which any `traces.spanevent` condition holds — otelcol's
// filter processor for traces, with OTTL conditions (pipeline/ottl) or the legacy
// spans.include / spans.exclude matching. Conditions are evaluated on the wire: a kept span
// passes as bytes, unless one of its events is dropped.
//
// Threading: stateless after construction apart from atomic counters; ConsumeTraces from any
// thread. What is left goes on to the next consumer in the same call, whose answer is
// returned; a batch left empty is answered OK.
#pragma once

#include <atomic>

#include "pipeline/component.h"
#include "processors/filter/config.h"
#include "prometheus/counter.h"

namespace weir::processors::filter {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next);

  absl::Status Start(pipeline::Host& host) override { return absl::OkStatus(); }
  void Shutdown(absl::Time deadline) override {}
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

 private:
  // The verdict of `conditions` (any holds), with error_mode applied to failures. Sets
  // *error under propagate.
  bool AnyHolds(const std::vector<pipeline::ottl::Condition>& conditions,
                const pipeline::SpanView& span, const pipeline::ottl::EventView* event,
                absl::Status* error) const;

  const std::string id_;
  const Config config_;
  pipeline::TracesConsumer& next_;
  prometheus::Counter* spans_filtered_;
  prometheus::Counter* events_filtered_;
  prometheus::Counter* errors_;
  mutable std::atomic<int64_t> last_log_second_{0};
};

}  // namespace weir::processors::filter
