// The `batch` processor: gathers spans from many small requests into fewer, larger batches.
//
// A batch is sent when it reaches send_batch_size spans (size trigger) or `timeout` after its
// first span arrived (timeout trigger), split so no batch exceeds send_batch_max_size. Shutdown
// sends whatever is pending. Intake never waits on the next consumer's I/O: the next consumer
// (an exporter queue) returns quickly by contract.
//
// With metadata_keys, requests are batched apart by the values of those request metadata keys
// (each combination is a group with its own batch and timer, up to metadata_cardinality_limit
// groups), and each batch goes on with a context holding just those keys.
//
// Nothing it acknowledged is dropped silently. When the next consumer refuses a batch with a
// retryable error (an exporter queue full, a backend down), the processor holds that batch,
// retries it every `kRetryInterval`, and refuses new requests with ResourceExhausted until the
// held batches are taken: the refusal reaches clients while their data is still theirs, and
// what was held stays bounded (at most what was pending when downstream stopped). A permanent
// refusal (InvalidArgument) drops the batch, counted in otelcol_processor_dropped_spans and
// logged; so are held batches still refused when the shutdown deadline passes. Requests it
// refuses are counted in otelcol_processor_refused_spans.
//
// Threading: ConsumeTraces from any thread; state is behind one mutex, and batches are sent
// outside it. Shutdown cancels the timeout timer and waits for a running callback, so no timer
// callback touches the processor once Shutdown (or the destructor) has returned.
#pragma once

#include <memory>

#include "pipeline/clock.h"
#include "pipeline/component.h"
#include "pipeline/telemetry/metrics.h"
#include "processors/batch/config.h"

namespace weir::processors::batch {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next);
  ~Processor() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  // Returns OK once the spans are held for batching; ResourceExhausted while the next consumer
  // refuses what the processor holds; Unavailable after Shutdown; InvalidArgument when
  // metadata_keys is set and the request's values would make a group beyond
  // metadata_cardinality_limit.
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace weir::processors::batch
