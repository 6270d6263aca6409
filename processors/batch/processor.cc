#include "processors/batch/processor.h"

#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/telemetry/logger.h"

namespace weir::processors::batch {

namespace {

const std::vector<double> kSendSizeBuckets = {10,   25,    50,    75,    100,   250,   500,  750,
                                              1000, 2000,  3000,  4000,  5000,  6000,  7000, 8000,
                                              9000, 10000, 20000, 30000, 50000, 100000};

}  // namespace

struct Processor::State {
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

  // Arms the timeout for the batch now pending, replacing the previous batch's timer. The old
  // handle comes back so the caller lets it go after releasing mu: cancelling waits for a
  // running callback, and that callback takes mu. REQUIRES: mu held.
  [[nodiscard]] pipeline::TimerHandle ArmTimerLocked() {
    pipeline::Clock::Duration timeout = absl::ToChronoNanoseconds(config.timeout);
    pending_due = clock.Now() + timeout;
    return std::exchange(timer, clock.Schedule(timeout, [this] { OnTimeout(); }));
  }

  void OnTimeout() {
    std::vector<pipeline::TraceBatch> due;
    {
      std::lock_guard<std::mutex> lock(mu);
      // A timer whose cancellation lost the race with its firing finds a younger batch here,
      // not yet due: that batch has its own timer.
      if (stopped || pending.empty() || clock.Now() < pending_due) return;
      due = TakeLocked(true);
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
  pipeline::TraceBatch pending;            // guarded by mu
  pipeline::Clock::TimePoint pending_due;  // guarded by mu; when `pending` times out
  pipeline::TimerHandle timer;             // guarded by mu; the timeout of `pending`
  bool stopped = false;                    // guarded by mu
};

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : state_(std::make_unique<State>(settings, config, next)) {}

Processor::~Processor() { Shutdown(absl::Now()); }

absl::Status Processor::Start(pipeline::Host& host) { return absl::OkStatus(); }

absl::Status Processor::ConsumeTraces(pipeline::TraceBatch batch) {
  State& s = *state_;
  std::vector<pipeline::TraceBatch> due;
  pipeline::TimerHandle stale;  // cancelled on return, after mu is released
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return absl::UnavailableError("batch processor is shutting down");
    bool was_empty = s.pending.empty();
    s.pending.Append(std::move(batch));
    if (s.config.timeout == absl::ZeroDuration()) {
      due = s.TakeLocked(true);
    } else {
      due = s.TakeLocked(false);
      if (!s.pending.empty() && (was_empty || !due.empty())) {
        stale = s.ArmTimerLocked();
      } else if (!due.empty()) {
        stale = std::move(s.timer);  // the batch it timed is gone
      }
    }
  }
  s.Send(std::move(due), State::Trigger::kSize);
  return absl::OkStatus();
}

void Processor::Shutdown(absl::Time deadline) {
  State& s = *state_;
  std::vector<pipeline::TraceBatch> rest;
  pipeline::TimerHandle timer;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    rest = s.TakeLocked(true);
    timer = std::move(s.timer);
  }
  // Waits for a running timeout callback, so none runs once Shutdown returns.
  timer.Cancel();
  s.Send(std::move(rest), State::Trigger::kShutdown);
}

}  // namespace weir::processors::batch
