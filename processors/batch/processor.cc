#include "processors/batch/processor.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "pipeline/held_batches.h"
#include "pipeline/telemetry/logger.h"

namespace weir::processors::batch {

namespace {

const std::vector<double> kSendSizeBuckets = {10,   25,    50,    75,    100,   250,   500,  750,
                                              1000, 2000,  3000,  4000,  5000,  6000,  7000, 8000,
                                              9000, 10000, 20000, 30000, 50000, 100000};

// How often batches the next consumer refused are offered again.
constexpr pipeline::Clock::Duration kRetryInterval = std::chrono::milliseconds(100);

}  // namespace

// The spans pending for one combination of metadata_keys values (the only one when
// metadata_keys is empty), with the context its batches are sent with.
struct Group {
  pipeline::RequestContext context;  // only the metadata_keys entries
  pipeline::TraceBatch pending;
  pipeline::Clock::TimePoint pending_due;  // when `pending` times out
  pipeline::TimerHandle timer;             // the timeout of `pending`
};

struct Processor::State {
  enum class Trigger { kSize, kTimeout, kShutdown };

  State(const pipeline::Settings& settings, const Config& config, pipeline::TracesConsumer& next)
      : id(settings.id.ToString()),
        config(config),
        clock(*settings.clock),
        held(next, [this](size_t spans, absl::string_view why) { Drop(spans, why); }) {
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
    cardinality = &prometheus::BuildGauge()
                       .Name("otelcol_processor_batch_metadata_cardinality")
                       .Help("Number of distinct metadata value combinations being processed")
                       .Register(registry)
                       .Add(labels);
    dropped = &prometheus::BuildCounter()
                   .Name("otelcol_processor_dropped_spans")
                   .Help("Number of spans that were dropped after being accepted")
                   .Register(registry)
                   .Add(labels);
    refused = &prometheus::BuildCounter()
                   .Name("otelcol_processor_refused_spans")
                   .Help("Number of spans that were rejected by the next component")
                   .Register(registry)
                   .Add(labels);
  }

  // The group key of `context`: the values of each metadata key, in config order.
  std::string GroupKey(const pipeline::RequestContext& context) const {
    std::string key;
    for (const std::string& k : config.metadata_keys) {
      for (absl::string_view v : context.Get(k))
        absl::StrAppend(&key, v, absl::string_view("\0", 1));
      key.push_back('\1');
    }
    return key;
  }

  pipeline::RequestContext GroupContext(const pipeline::RequestContext& context) const {
    pipeline::RequestContext out;
    for (const std::string& k : config.metadata_keys)
      for (absl::string_view v : context.Get(k)) out.AddMetadata(k, v);
    return out;
  }

  // A batch cut off a group, ready to send.
  struct Due {
    const pipeline::RequestContext* context;  // the group's; groups live as long as the state
    pipeline::TraceBatch batch;
  };

  // Cuts what is due off `g.pending`. REQUIRES: mu held.
  void TakeLocked(Group& g, bool everything, std::vector<Due>* out) {
    // send_batch_size 0 disables the size trigger: only the timeout sends.
    size_t threshold =
        config.send_batch_size > 0 ? static_cast<size_t>(config.send_batch_size) : SIZE_MAX;
    size_t max =
        config.send_batch_max_size > 0 ? static_cast<size_t>(config.send_batch_max_size) : SIZE_MAX;
    while (!g.pending.empty() && (everything || g.pending.span_count() >= threshold)) {
      if (g.pending.span_count() <= max) {
        out->push_back(Due{&g.context, std::move(g.pending)});
        g.pending = pipeline::TraceBatch();
      } else {
        out->push_back(Due{&g.context, g.pending.SplitFront(max)});
      }
    }
  }

  // Arms the timeout for the batch now pending in `g`, replacing the previous batch's timer. The
  // old handle comes back so the caller lets it go after releasing mu: cancelling waits for a
  // running callback, and that callback takes mu. REQUIRES: mu held.
  [[nodiscard]] pipeline::TimerHandle ArmTimerLocked(Group& g) {
    pipeline::Clock::Duration timeout = absl::ToChronoNanoseconds(config.timeout);
    g.pending_due = clock.Now() + timeout;
    return std::exchange(g.timer, clock.Schedule(timeout, [this, &g] { OnTimeout(g); }));
  }

  void OnTimeout(Group& g) {
    std::vector<Due> due;
    {
      std::lock_guard<std::mutex> lock(mu);
      // A timer whose cancellation lost the race with its firing finds a younger batch here,
      // not yet due: that batch has its own timer.
      if (stopped || g.pending.empty() || clock.Now() < g.pending_due) return;
      TakeLocked(g, true, &due);
    }
    Send(std::move(due), Trigger::kTimeout);
  }

  // Hands `batches` to the next consumer in order. A retryable refusal holds that batch and
  // every one after it, to be offered again by held.Retry; a permanent one drops the batch,
  // counted.
  void Send(std::vector<Due> batches, Trigger trigger) {
    for (Due& d : batches) {
      send_size->Observe(static_cast<double>(d.batch.span_count()));
      if (trigger == Trigger::kSize) size_trigger->Increment();
      if (trigger == Trigger::kTimeout) timeout_trigger->Increment();
      held.Send(*d.context, std::move(d.batch));
    }
  }

  void Drop(size_t spans, absl::string_view why) {
    dropped->Increment(static_cast<double>(spans));
    drop_log.Warn("processor/batch", "%s: dropped %d spans the next consumer refused: %s", id,
                  spans, why);
  }

  std::string id;
  Config config;
  pipeline::Clock& clock;
  prometheus::Histogram* send_size;
  prometheus::Counter* size_trigger;
  prometheus::Counter* timeout_trigger;
  prometheus::Gauge* cardinality;
  prometheus::Counter* dropped;
  prometheus::Counter* refused;
  log::RateLimited drop_log;
  // Batches the next consumer refused with a retryable error; while any is held, new requests
  // are refused.
  pipeline::HeldBatches held;
  pipeline::TimerHandle retry_timer;  // offers held batches again every kRetryInterval

  std::mutex mu;
  // By group key; a group, once made, lives as long as the processor (as in otelcol), so the
  // timers' and Due's references to it stay valid.
  absl::flat_hash_map<std::string, std::unique_ptr<Group>> groups;  // guarded by mu
  bool stopped = false;                                             // guarded by mu
};

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : state_(std::make_unique<State>(settings, config, next)) {
  State* s = state_.get();
  s->retry_timer = s->clock.SchedulePeriodic(kRetryInterval, [s] { s->held.Retry(); });
}

Processor::~Processor() { Shutdown(absl::Now()); }

absl::Status Processor::Start(pipeline::Host& host) { return absl::OkStatus(); }

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  State& s = *state_;
  std::vector<State::Due> due;
  pipeline::TimerHandle stale;  // cancelled on return, after mu is released
  {
    if (!s.held.Retry()) {
      std::lock_guard<std::mutex> lock(s.mu);
      if (!s.stopped) {
        s.refused->Increment(static_cast<double>(batch.span_count()));
        return absl::ResourceExhaustedError(absl::StrCat("batch processor ", s.id,
                                                         ": the next consumer is refusing data (",
                                                         s.held.reason(), "); retry later"));
      }
    }
    std::string key = s.GroupKey(context);
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return absl::UnavailableError("batch processor is shutting down");
    auto it = s.groups.find(key);
    if (it == s.groups.end()) {
      if (s.groups.size() >= static_cast<size_t>(s.config.metadata_cardinality_limit)) {
        return absl::InvalidArgumentError(
            absl::StrCat("batch processor ", s.id, ": too many distinct values of metadata_keys (",
                         "metadata_cardinality_limit ", s.config.metadata_cardinality_limit, ")"));
      }
      auto group = std::make_unique<Group>();
      group->context = s.GroupContext(context);
      it = s.groups.emplace(std::move(key), std::move(group)).first;
      s.cardinality->Set(static_cast<double>(s.groups.size()));
    }
    Group& g = *it->second;
    bool was_empty = g.pending.empty();
    g.pending.Append(std::move(batch));
    if (s.config.timeout == absl::ZeroDuration()) {
      s.TakeLocked(g, true, &due);
    } else {
      s.TakeLocked(g, false, &due);
      if (!g.pending.empty() && (was_empty || !due.empty())) {
        stale = s.ArmTimerLocked(g);
      } else if (!due.empty()) {
        stale = std::move(g.timer);  // the batch it timed is gone
      }
    }
  }
  s.Send(std::move(due), State::Trigger::kSize);
  return absl::OkStatus();
}

void Processor::Shutdown(absl::Time deadline) {
  State& s = *state_;
  std::vector<State::Due> rest;
  std::vector<pipeline::TimerHandle> timers;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    for (auto& [key, g] : s.groups) {
      s.TakeLocked(*g, true, &rest);
      timers.push_back(std::move(g->timer));
    }
  }
  // Waits for running callbacks, so none runs once Shutdown returns.
  for (auto& t : timers) t.Cancel();
  s.retry_timer.Cancel();
  s.Send(std::move(rest), State::Trigger::kShutdown);
  // What the next consumer still refuses is offered again until the deadline, then dropped.
  s.held.DrainUntil(deadline, absl::Milliseconds(50), "shutdown deadline passed");
}

}  // namespace weir::processors::batch
