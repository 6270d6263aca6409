// The `tail_sampling` processor: holds each trace's spans until the trace is complete, then
// decides for the whole trace with the configured policies and passes on the traces it keeps.
//
// A trace is decided decision_wait after its first span arrived, or
// decision_wait_after_root_received after its root span arrived when that is earlier. Spans
// stay in their wire form (trace.h); policies read what they need from the index or the
// attribute bytes. Decisions are remembered per trace id (decision_cache), so a span arriving
// after its trace was decided follows it: forwarded if the trace was kept, dropped if not.
//
// Memory is bounded: when num_traces traces are pending, or their spans pass
// max_buffered_bytes, the oldest pending traces are decided early on what has arrived (counted
// in weir_processor_tail_sampling_early_decisions), never evicted undecided. A trace larger
// than maximum_trace_size_bytes is decided (not sampled) at once.
//
// Nothing it acknowledged is lost silently: kept traces the next consumer refuses with a
// retryable error are held and offered again every tick and before each new request, and new
// requests are refused with ResourceExhausted until they are taken (as the batch processor
// does). A permanent refusal is counted in otelcol_processor_dropped_spans and logged. Traces
// the policies drop are the processor's purpose, counted in the sampling metrics.
//
// Shutdown stops intake, decides every pending trace (or drops them, counted, when
// drop_pending_traces_on_shutdown), and offers what is kept until the deadline. On a config
// reload the new instance (same pipeline, same id) takes over, when it starts, the pending
// traces and decision caches of the one it replaces, so traces that straddle the reload are
// decided whole.
//
// Threading: ConsumeTraces from any thread. State and policies are behind one mutex, which is
// never held across a call into the next consumer. The decision tick runs on the clock's
// thread; Shutdown cancels it and waits for a running tick.
#pragma once

#include <memory>

#include "pipeline/clock.h"
#include "pipeline/component.h"
#include "processors/tail_sampling/config.h"

namespace weir::processors::tail_sampling {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next);
  ~Processor() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  // Returns OK once the spans are buffered (or forwarded/dropped by their trace's remembered
  // decision); ResourceExhausted while the next consumer refuses kept traces the processor
  // holds; Unavailable after Shutdown.
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

  // For tests and the admin view: traces pending, and bytes of chunks held.
  size_t pending_traces() const;
  size_t held_bytes() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace weir::processors::tail_sampling
