// The `memory_limiter` processor: refuses data while the process uses too much memory, so
// clients back off (the refusal is ResourceExhausted: RESOURCE_EXHAUSTED with RetryInfo over
// gRPC, 429 with Retry-After over HTTP) instead of weir running out of memory.
//
// "Usage" is the larger of two figures: the process's resident set size, measured every
// check_interval, and the bytes of spans weir holds (the process memory budget,
// pipeline/memory_budget.h, read on every request). Above the soft limit (limit −
// spike_limit) every request is refused; above the hard limit weir also returns freed heap
// memory to the system (malloc_trim), the counterpart of otelcol's forced garbage collection.
// Refused spans are counted in otelcol_processor_refused_spans.
//
// Threading: ConsumeTraces from any thread (atomics only); the check runs on the clock's timer
// thread and is cancelled, waiting for a running check, at Shutdown.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "pipeline/clock.h"
#include "pipeline/component.h"
#include "processors/memory_limiter/config.h"
#include "prometheus/counter.h"

namespace weir::processors::memory_limiter {

class Processor final : public pipeline::TracesProcessor {
 public:
  Processor(const pipeline::Settings& settings, const Config& config,
            pipeline::TracesConsumer& next);
  ~Processor() override;

  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;
  // Hands the batch on, or refuses it with ResourceExhausted while usage is above the soft
  // limit.
  using TracesConsumer::ConsumeTraces;
  absl::Status ConsumeTraces(const pipeline::RequestContext& context,
                             pipeline::TraceBatch batch) override;

  size_t soft_limit_bytes() const { return soft_limit_; }
  size_t hard_limit_bytes() const { return hard_limit_; }

 private:
  // Measures the resident set size; above the hard limit, trims the heap and measures again.
  void Check();

  std::string id_;
  Config config_;
  pipeline::TracesConsumer& next_;
  pipeline::Clock& clock_;
  size_t hard_limit_;
  size_t soft_limit_;
  prometheus::Counter* refused_;
  std::atomic<size_t> rss_{0};
  pipeline::TimerHandle check_timer_;
};

}  // namespace weir::processors::memory_limiter
