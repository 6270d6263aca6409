#include "processors/batch/processor.h"

#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/telemetry/logger.h"

namespace weir::processors::batch {

namespace {

const std::vector<double> kSendSizeBuckets = {10,   25,    50,    75,    100,   250,   500,  750,
                                              1000, 2000,  3000,  4000,  5000,  6000,  7000, 8000,
                                              9000, 10000, 20000, 30000, 50000, 100000};

}  // namespace

struct Processor::State : std::enable_shared_from_this<Processor::State> {
  enum class Trigger { kSize, kTimeout, kShutdown };

  State(const pipeline::Settings& settings, const Config& config, pipeline::TracesConsumer& next)
      : id(settings.id.ToString()), config(config), next(next), clock(*settings.clock) {
    prometheus::Labels labels{{"processor", id}};
    auto& registry = settings.telemetry->registry();
    send_size = &prometheus::BuildHistogram()
                     .Name("otelcol_processor_batch_batch_send_size")
                     .Help("Number of spans in the batch that was sent")
                     .Register(registry)
                     .Add(labels, kSendSizeBuckets);
    size_trigger = &prometheus::BuildCounter()
                        .Name("otelcol_processor_batch_batch_size_trigger_send")
                        .Help("Number of times the batch was sent due to a size trigger")
                        .Register(registry)
                        .Add(labels);
    timeout_trigger = &prometheus::BuildCounter()
                           .Name("otelcol_processor_batch_timeout_trigger_send")
                           .Help("Number of times the batch was sent due to a timeout trigger")
                           .Register(registry)
                           .Add(labels);
  }

  // Cuts what is due off `pending`. REQUIRES: mu held.
  std::vector<pipeline::TraceBatch> TakeLocked(bool everything) {
    std::vector<pipeline::TraceBatch> out;
    // send_batch_size 0 disables the size trigger: only the timeout sends.
    size_t threshold =
        config.send_batch_size > 0 ? static_cast<size_t>(config.send_batch_size) : SIZE_MAX;
    size_t max =
        config.send_batch_max_size > 0 ? static_cast<size_t>(config.send_batch_max_size) : SIZE_MAX;
    while (!pending.empty() && (everything || pending.span_count() >= threshold)) {
      if (pending.span_count() <= max) {
        out.push_back(std::move(pending));
        pending = pipeline::TraceBatch();
      } else {
        out.push_back(pending.SplitFront(max));
      }
    }
    return out;
  }

  // Arms the timeout for a batch that just became non-empty. REQUIRES: mu held.
  void ArmTimerLocked() {
    uint64_t gen = ++generation;
    std::weak_ptr<State> weak = weak_from_this();
    clock.RunAfter(absl::ToChronoNanoseconds(config.timeout), [weak, gen] {
      if (auto self = weak.lock()) self->OnTimeout(gen);
    });
  }

  void OnTimeout(uint64_t gen) {
    std::vector<pipeline::TraceBatch> due;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (gen != generation || stopped) return;
      due = TakeLocked(true);
      ++generation;
    }
    Send(std::move(due), Trigger::kTimeout);
  }

  void Send(std::vector<pipeline::TraceBatch> batches, Trigger trigger) {
    for (auto& b : batches) {
      size_t n = b.span_count();
      send_size->Observe(static_cast<double>(n));
      if (trigger == Trigger::kSize) size_trigger->Increment();
      if (trigger == Trigger::kTimeout) timeout_trigger->Increment();
      absl::Status s = next.ConsumeTraces(std::move(b));
      if (!s.ok()) {
        drop_log.Warn("processor/batch", "%s: next consumer refused %d spans: %s", id, n,
                      s.message());
      }
    }
  }

  std::string id;
  Config config;
  pipeline::TracesConsumer& next;
  pipeline::Clock& clock;
  prometheus::Histogram* send_size;
  prometheus::Counter* size_trigger;
  prometheus::Counter* timeout_trigger;
  log::RateLimited drop_log;

  std::mutex mu;
  pipeline::TraceBatch pending;  // guarded by mu
  uint64_t generation = 0;       // guarded by mu; invalidates stale timers
  bool stopped = false;          // guarded by mu
};

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : state_(std::make_shared<State>(settings, config, next)) {}

Processor::~Processor() { Shutdown(absl::Now()); }

absl::Status Processor::Start(pipeline::Host& host) { return absl::OkStatus(); }

absl::Status Processor::ConsumeTraces(pipeline::TraceBatch batch) {
  State& s = *state_;
  std::vector<pipeline::TraceBatch> due;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return absl::UnavailableError("batch processor is shutting down");
    bool was_empty = s.pending.empty();
    s.pending.Append(std::move(batch));
    if (s.config.timeout == absl::ZeroDuration()) {
      due = s.TakeLocked(true);
    } else {
      due = s.TakeLocked(false);
      if (!due.empty()) ++s.generation;  // the pending batch's timer no longer applies
      if (!s.pending.empty() && (was_empty || !due.empty())) s.ArmTimerLocked();
    }
  }
  s.Send(std::move(due), State::Trigger::kSize);
  return absl::OkStatus();
}

void Processor::Shutdown(absl::Time deadline) {
  State& s = *state_;
  std::vector<pipeline::TraceBatch> rest;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    rest = s.TakeLocked(true);
  }
  s.Send(std::move(rest), State::Trigger::kShutdown);
}

}  // namespace weir::processors::batch
