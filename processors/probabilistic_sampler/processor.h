// The `probabilistic_sampler` processor: keeps a share of spans, decided per span from its
// trace id, so every span of a trace gets the same verdict on every collector that shares the
// config. Modes as otelcol's:
//   - hash_seed: otelcol's legacy verdict (FNV-1a 32 of the seed and the trace id in 16384
//     buckets), the same for the same seed;
//   - equalizing / proportional: OpenTelemetry's consistent probability sampling on the W3C
//     trace randomness (`ot=rv:` in tracestate, else the trace id's last 7 bytes) against a
//     threshold; kept spans carry the threshold (`ot=th:`) so later samplers and backends know
//     the adjusted count. equalizing applies the configured probability whatever came before
//     (never lowering an arriving threshold); proportional multiplies it with the arriving
//     probability.
// A span attribute `sampling.priority` of 0 drops the span, above 0 keeps it (threshold 0).
// Spans whose randomness or tracestate cannot be read are dropped (fail_closed) or kept.
//
// Threading: stateless after construction; ConsumeTraces from any thread. The spans kept go
// on to the next consumer in the same call, whose answer is returned (nothing is held).
#pragma once

#include <memory>

#include "pipeline/component.h"
#include "processors/probabilistic_sampler/config.h"

namespace weir::processors::probabilistic_sampler {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next);
  ~Processor() override;

  absl::Status Start(pipeline::Host& host) override { return absl::OkStatus(); }
  void Shutdown(absl::Time deadline) override {}
  // Drops the spans not sampled and hands the rest on; returns the next consumer's answer
  // (OK when nothing is left).
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace weir::processors::probabilistic_sampler
