#include "processors/tail_sampling/processor.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "pipeline/held_batches.h"
#include "pipeline/memory_budget.h"
#include "pipeline/sampling_control.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "processors/tail_sampling/decision_cache.h"
#include "processors/tail_sampling/policy.h"
#include "processors/tail_sampling/trace.h"

namespace weir::processors::tail_sampling {

namespace {

using pipeline::Clock;
using pipeline::TraceBatch;
using TimePoint = Clock::TimePoint;

const std::vector<double> kDecisionLatencyMs = {1,    2,    5,    10,    25,    50,    75,   100,
                                                150,  200,  300,  400,   500,   750,   1000, 2000,
                                                3000, 4000, 5000, 10000, 20000, 30000, 50000};
const std::vector<double> kLateSpanAgeSeconds = {1,   2,   5,   10,   20,   30,  60,
                                                 120, 300, 600, 1800, 3600, 7200};

// What record_policy names when a boost kept the trace.
const std::string kBoostPolicy = "boost";

// Traces decided per hold of the lock by the decision tick.
constexpr size_t kTracesPerSlice = 1024;

// A trace waiting for its decision time. `sequence` tells whether the trace now pending under
// `key` is still the one this entry was made for.
struct DueEntry {
  TraceKey key;
  uint64_t sequence;
  TimePoint due;
};

// The spans to pass on, gathered by chunk while deciding and spliced out after the lock is
// released.
class OutputPlan {
 public:
  void Add(const std::shared_ptr<HeldChunk>& chunk, uint32_t position) {
    auto [it, inserted] = index_of_.try_emplace(chunk.get(), parts_.size());
    if (inserted) parts_.push_back({chunk, {}});
    parts_[it->second].positions.push_back(position);
  }
  void RecordPolicy(const TraceKey& key, const std::string* policy) { policy_of_[key] = policy; }
  bool empty() const { return parts_.empty(); }

  // The kept spans as one batch; with `record_policy`, each span gets the attribute
  // tailsampling.policy naming the policy that kept its trace.
  TraceBatch Build(bool record_policy) {
    TraceBatch out;
    for (Part& p : parts_) {
      std::sort(p.positions.begin(), p.positions.end());
      p.positions.erase(std::unique(p.positions.begin(), p.positions.end()), p.positions.end());
      out.Append(p.chunk->batch.Subset(p.positions));
    }
    parts_.clear();
    index_of_.clear();
    if (record_policy && !policy_of_.empty()) {
      // As otelcol's recordpolicy: the scope of each kept trace gets tailsampling.policy. A
      // scope is shared by the spans under it, so each trace gets scopes of its own first.
      TraceBatch tagged;
      for (pipeline::BatchPart& part :
           out.Partition([](const pipeline::SpanView& s) { return s.trace_id(); })) {
        auto it = policy_of_.find(TraceKey::Of(part.key));
        if (it != policy_of_.end() && it->second != nullptr) {
          std::vector<const otlp::Scope*> done;
          part.batch
              .EditSpans([&](pipeline::SpanEditor& e) {
                otlp::Scope* scope = e.mutable_scope();
                if (std::find(done.begin(), done.end(), scope) != done.end()) return;
                done.push_back(scope);
                otlp::KeyValue* kv = scope->add_attributes();
                kv->set_key("tailsampling.policy");
                kv->mutable_value()->set_string_value(*it->second);
              })
              .IgnoreError();  // a policy name is valid UTF-8 (it came from YAML)
        }
        tagged.Append(std::move(part.batch));
      }
      out = std::move(tagged);
    }
    policy_of_.clear();
    return out;
  }

 private:
  struct Part {
    std::shared_ptr<HeldChunk> chunk;
    std::vector<uint32_t> positions;
  };
  absl::flat_hash_map<const HeldChunk*, size_t> index_of_;
  std::vector<Part> parts_;
  absl::flat_hash_map<TraceKey, const std::string*> policy_of_;
};

struct NamedPolicy {
  std::string name;
  std::unique_ptr<Policy> policy;
  prometheus::Counter* sampled;
  prometheus::Counter* not_sampled;
  prometheus::Counter* dropped;
};

Clock::Duration ToChrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

}  // namespace

// The instances alive, by "<pipeline>\n<processor id>", so that a reload's new instance takes
// over what the old one holds (see Processor::Start). A process-wide table: a reload builds the
// new graph while the old one still exists.
struct Instances {
  std::mutex mu;
  std::multimap<std::string, Processor::State*> by_key;  // guarded by mu
};

static Instances& Live() {
  static Instances* instances = new Instances();
  return *instances;
}

struct Processor::State {
  State(const pipeline::Settings& settings, const Config& config, pipeline::TracesConsumer& next)
      : id(settings.id.ToString()),
        handover_key(absl::StrCat(settings.pipeline, "\n", settings.id.ToString())),
        config(config),
        clock(*settings.clock),
        wait(ToChrono(config.decision_wait)),
        root_wait(ToChrono(config.decision_wait_after_root_received)),
        max_traces(static_cast<size_t>(config.num_traces)),
        max_bytes(config.max_buffered_bytes > 0 ? static_cast<size_t>(config.max_buffered_bytes)
                                                : pipeline::MemoryBudget::Process().limit() / 2),
        held(next, [this](size_t spans, absl::string_view why) { Drop(spans, why); }),
        decided(config.SampledCacheSize(), config.NonSampledCacheSize()) {
    auto& registry = settings.telemetry->registry();
    prometheus::Labels labels{{"processor", id}};
    auto& per_policy = prometheus::BuildCounter()
                           .Name("otelcol_processor_tail_sampling_count_traces_sampled")
                           .Help("Count of traces that were sampled or not per sampling policy")
                           .Register(registry);
    // As otelcol: drop policies are evaluated first, in their order, then the others.
    std::vector<const PolicyConfig*> ordered;
    for (const PolicyConfig& p : config.policies)
      if (p.type == "drop") ordered.push_back(&p);
    for (const PolicyConfig& p : config.policies)
      if (p.type != "drop") ordered.push_back(&p);
    // otelcol labels a policy "<processor name>.<policy>" when the processor id has a name.
    const std::string prefix = settings.id.name.empty() ? "" : settings.id.name + ".";
    auto names = std::make_shared<std::vector<std::string>>();
    for (const PolicyConfig* p : ordered) names->push_back(p->name);
    policy_names = std::move(names);
    for (const PolicyConfig* p : ordered) {
      NamedPolicy& np = policies.emplace_back();
      np.name = p->name;
      np.policy = BuildPolicy(*p);
      const std::string label = prefix + p->name;
      np.sampled = &per_policy.Add(
          {{"processor", id}, {"policy", label}, {"sampled", "true"}, {"decision", "sampled"}});
      np.not_sampled = &per_policy.Add({{"processor", id},
                                        {"policy", label},
                                        {"sampled", "false"},
                                        {"decision", "not_sampled"}});
      np.dropped = &per_policy.Add(
          {{"processor", id}, {"policy", label}, {"sampled", "false"}, {"decision", "dropped"}});
    }
    auto& global = prometheus::BuildCounter()
                       .Name("otelcol_processor_tail_sampling_global_count_traces_sampled")
                       .Help(
                           "Global count of traces that were sampled or not by at least one "
                           "policy")
                       .Register(registry);
    global_sampled = &global.Add({{"processor", id}, {"sampled", "true"}, {"decision", "sampled"}});
    global_not_sampled =
        &global.Add({{"processor", id}, {"sampled", "false"}, {"decision", "not_sampled"}});
    global_dropped =
        &global.Add({{"processor", id}, {"sampled", "false"}, {"decision", "dropped"}});
    decision_latency =
        &prometheus::BuildHistogram()
             .Name("otelcol_processor_tail_sampling_sampling_decision_timer_latency")
             .Help("Latency (in milliseconds) of each run of the sampling decision timer")
             .Register(registry)
             .Add(labels, kDecisionLatencyMs);
    late_span_age = &prometheus::BuildHistogram()
                         .Name("otelcol_processor_tail_sampling_sampling_late_span_age")
                         .Help(
                             "Time (in seconds) from the sampling decision to the arrival of a "
                             "late span")
                         .Register(registry)
                         .Add(labels, kLateSpanAgeSeconds);
    auto counter = [&](const char* name, const char* help) {
      return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
    };
    auto gauge = [&](const char* name, const char* help) {
      return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
    };
    dropped_too_early = counter("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early",
                                "Count of traces that needed to be dropped before the configured "
                                "wait time (weir decides them early instead: always 0)");
    evaluation_error = counter("otelcol_processor_tail_sampling_sampling_policy_evaluation_error",
                               "Count of sampling policy evaluation errors");
    new_traces = counter("otelcol_processor_tail_sampling_new_trace_id_received",
                         "Counts the arrival of new traces");
    early = counter("weir_processor_tail_sampling_early_decisions",
                    "Traces decided before their decision time because num_traces or "
                    "max_buffered_bytes was reached");
    too_large = counter("otelcol_processor_tail_sampling_traces_dropped_too_large",
                        "Traces dropped (decided not sampled) when they passed "
                        "maximum_trace_size_bytes");
    boosted = counter("weir_processor_tail_sampling_boosted_traces",
                      "Traces kept by an incident boost that the policies would not have kept");
    late_dropped = counter("weir_processor_tail_sampling_late_spans_dropped",
                           "Spans that arrived after their trace was decided not sampled");
    dropped = counter("otelcol_processor_dropped_spans",
                      "Number of spans that were dropped after being accepted");
    refused = counter("otelcol_processor_refused_spans",
                      "Number of spans that were rejected by the next component");
    traces_on_memory = gauge("otelcol_processor_tail_sampling_sampling_traces_on_memory",
                             "Tracks the number of traces current on memory");
    active_boosts = gauge("weir_processor_tail_sampling_active_boosts",
                          "Incident boosts in force (weir_admin /sampling/boosts)");
    buffered_spans = gauge("weir_processor_tail_sampling_buffered_spans",
                           "Spans held by traces pending a decision");
    buffered_bytes = gauge("weir_processor_tail_sampling_buffered_bytes",
                           "Bytes of span data held by traces pending a decision");
    const size_t expected = static_cast<size_t>(config.expected_new_traces_per_sec);
    if (expected > 0) {
      pending.reserve(
          std::min(max_traces, expected * static_cast<size_t>(std::max<int64_t>(
                                              1, absl::ToInt64Seconds(config.decision_wait)))));
    }
  }

  ~State() {
    // Chunks keep themselves alive while pending spans refer to them; let them go.
    for (auto& [key, trace] : pending) ReleaseLocked(trace);
  }

  // Takes a pending span's reference on `chunk`.
  static void HoldChunk(const std::shared_ptr<HeldChunk>& chunk) {
    if (chunk->refs++ == 0) chunk->self = chunk;
  }

  // Frees the span references of `trace` and releases the chunks no pending span needs any
  // more. REQUIRES: mu held.
  void ReleaseLocked(Trace& trace) {
    for (uint32_t i = trace.head; i != SpanPool::kNone;) {
      const SpanPool::Node n = pool[i];
      pool.Free(i);
      i = n.next;
      if (--n.chunk->refs == 0) n.chunk->self.reset();
    }
    trace.head = trace.tail = SpanPool::kNone;
    pending_bytes -= std::min(pending_bytes, PendingCost(trace));
  }

  // The boosts in force, refreshed from the process-wide control at most every 200 ms.
  // REQUIRES: mu held.
  const std::vector<pipeline::SamplingControl::Boost>& BoostsLocked(TimePoint now) {
    if (now - boosts_checked >= std::chrono::milliseconds(200) || !boosts_fresh) {
      boosts = pipeline::SamplingControl::Process().ActiveBoosts(absl::Now());
      active_boosts->Set(static_cast<double>(boosts.size()));
      boosts_checked = now;
      boosts_fresh = true;
    }
    return boosts;
  }

  // The first boost that keeps `view`, or 0.
  uint64_t MatchBoostLocked(const TraceView& view, TimePoint now) {
    for (const pipeline::SamplingControl::Boost& b : BoostsLocked(now)) {
      if (b.ends <= absl::Now()) continue;
      if (!b.service.empty() && !view.AnySpan([&](const pipeline::SpanView& s) {
            return s.resource().service_name() == b.service;
          })) {
        continue;
      }
      if (!b.attribute_key.empty() && !view.AnySpan([&](const pipeline::SpanView& s) {
            auto v = s.FindAttribute(b.attribute_key);
            if (!v) v = s.resource().FindAttribute(b.attribute_key);
            return v && v->type == pipeline::ValueType::kString && v->bytes == b.attribute_value;
          })) {
        continue;
      }
      if (b.percentage < 100 &&
          ProbabilisticHash("weir-boost", view.trace_id()) > ProbabilisticThreshold(b.percentage)) {
        continue;
      }
      return b.id;
    }
    return 0;
  }

  // Decides `trace` (removed from `pending` by the caller), records the decision, adds the
  // kept spans to *plan and releases the trace's references. REQUIRES: mu held.
  void DecideLocked(const TraceKey& key, Trace& trace, TimePoint now, OutputPlan* plan,
                    bool decided_early = false) {
    if (trace.head == SpanPool::kNone) return;
    const SpanPool::Node& first = pool[trace.head];
    TraceView view(first.chunk->batch.SpanAt(first.position).trace_id(), trace, pool);
    votes.clear();
    const std::string* kept_by = nullptr;
    for (NamedPolicy& p : policies) {
      const Decision d = p.policy->Evaluate(view, now);
      votes.push_back(d);
      if (d == Decision::kSampled) {
        p.sampled->Increment();
        if (kept_by == nullptr) kept_by = &p.name;
        if (config.sample_on_first_match) break;
      } else if (d == Decision::kDropped) {
        p.dropped->Increment();
        break;  // final: the policies after it are not asked
      } else {
        p.not_sampled->Increment();
      }
    }
    bool keep = Combine(votes);
    const bool dropped_by_policy = !votes.empty() && votes.back() == Decision::kDropped;
    // A boost keeps what the policies would not (a drop policy still wins).
    uint64_t boost = 0;
    if (!keep && !dropped_by_policy && (boost = MatchBoostLocked(view, now)) != 0) {
      keep = true;
      boosted->Increment();
      kept_by = &kBoostPolicy;
    }
    if (config.explain) {
      pipeline::SamplingControl::Explanation e;
      e.processor = id;
      e.decided_at = absl::Now();
      e.sampled = keep;
      e.early = decided_early;
      e.boost = boost;
      e.spans = trace.span_count;
      e.policies = policy_names;
      for (Decision d : votes) {
        if (e.vote_count == e.votes.size()) break;
        e.votes[e.vote_count++] = static_cast<uint8_t>(d);
      }
      pipeline::SamplingControl::Process().Record(view.trace_id(), std::move(e));
    }
    (keep ? global_sampled : dropped_by_policy ? global_dropped : global_not_sampled)->Increment();
    decided.Insert(key, keep, now.time_since_epoch().count());
    if (keep) {
      for (uint32_t i = trace.head; i != SpanPool::kNone; i = pool[i].next)
        plan->Add(pool[i].chunk->self, pool[i].position);
      if (config.record_policy) plan->RecordPolicy(key, kept_by);
    }
    ReleaseLocked(trace);
  }

  // What max_buffered_bytes counts of a pending trace: each span's equal share of the chunk it
  // arrived in (bytes, index and headers), and its reference.
  static size_t PendingCost(const Trace& t) {
    return t.memory + t.span_count * sizeof(SpanPool::Node);
  }

  // Decides the pending trace an age-queue entry stands for, if it is still pending.
  // REQUIRES: mu held.
  bool DecideEntryLocked(const DueEntry& e, TimePoint now, OutputPlan* plan,
                         bool decided_early = false) {
    auto it = pending.find(e.key);
    if (it == pending.end() || it->second.sequence != e.sequence) return false;
    Trace trace = it->second;
    pending.erase(it);
    DecideLocked(e.key, trace, now, plan, decided_early);
    return true;
  }

  // Decides up to `budget` traces whose time has come; returns whether any is left.
  // REQUIRES: mu held.
  bool DecideDueLocked(TimePoint now, size_t budget, OutputPlan* plan) {
    while (budget > 0 && !by_root.empty() && by_root.front().due <= now) {
      if (DecideEntryLocked(by_root.front(), now, plan)) --budget;
      by_root.pop_front();
    }
    while (budget > 0 && !by_arrival.empty() && by_arrival.front().due <= now) {
      if (DecideEntryLocked(by_arrival.front(), now, plan)) --budget;
      by_arrival.pop_front();
    }
    return (!by_root.empty() && by_root.front().due <= now) ||
           (!by_arrival.empty() && by_arrival.front().due <= now);
  }

  // Decides the oldest pending traces until they fit num_traces and max_buffered_bytes.
  // REQUIRES: mu held.
  void DecideOverflowLocked(TimePoint now, OutputPlan* plan) {
    while ((pending.size() > max_traces || pending_bytes > max_bytes) && !by_arrival.empty()) {
      if (DecideEntryLocked(by_arrival.front(), now, plan, /*early=*/true)) early->Increment();
      by_arrival.pop_front();
    }
  }

  void UpdateGaugesLocked() {
    traces_on_memory->Set(static_cast<double>(pending.size()));
    buffered_spans->Set(static_cast<double>(pool.live()));
    buffered_bytes->Set(static_cast<double>(held_bytes->load(std::memory_order_relaxed)));
  }

  // Buffers the spans of `batch`, or passes them on / drops them by their trace's decision.
  // REQUIRES: mu held.
  void AddLocked(TraceBatch batch, TimePoint now, OutputPlan* plan) {
    for (TraceBatch& part : std::move(batch).SplitChunks()) {
      auto chunk = std::make_shared<HeldChunk>(std::move(part), held_bytes);
      const uint32_t n = static_cast<uint32_t>(chunk->batch.span_count());
      const size_t share = n == 0 ? 0 : (chunk->bytes + n - 1) / n;
      for (uint32_t pos = 0; pos < n; ++pos) {
        pipeline::SpanView span = chunk->batch.SpanAt(pos);
        const TraceKey key = TraceKey::Of(span.trace_id());
        auto it = pending.find(key);
        if (it == pending.end()) {
          if (const DecisionCache::Entry* d = decided.Find(key)) {
            ObserveLate(now, d->decided_ns);
            if (d->sampled) {
              plan->Add(chunk, pos);
            } else {
              late_dropped->Increment();
            }
            continue;
          }
          it = pending.try_emplace(key).first;
          it->second.sequence = next_sequence++;
          by_arrival.push_back({key, it->second.sequence, TimePoint(now + wait)});
          new_traces->Increment();
        }
        Trace& trace = it->second;
        const bool root_before = trace.root_seen;
        const size_t cost_before = PendingCost(trace);
        trace.Add(pool, chunk.get(), pos);
        HoldChunk(chunk);
        trace.memory += share;
        pending_bytes += PendingCost(trace) - cost_before;
        if (trace.root_seen && !root_before && root_wait > Clock::Duration::zero())
          by_root.push_back({key, trace.sequence, TimePoint(now + root_wait)});
        if (config.maximum_trace_size_bytes > 0 &&
            trace.byte_size > static_cast<uint64_t>(config.maximum_trace_size_bytes)) {
          // Too large to keep whole: decided not sampled now, and its later spans follow.
          decided.Insert(key, false, now.time_since_epoch().count());
          too_large->Increment();
          ReleaseLocked(trace);
          pending.erase(it);
        }
      }
    }
  }

  void ObserveLate(TimePoint now, int64_t decided_ns) {
    late_span_age->Observe(static_cast<double>(now.time_since_epoch().count() - decided_ns) / 1e9);
  }

  void Drop(size_t spans, absl::string_view why) {
    dropped->Increment(static_cast<double>(spans));
    drop_log.Warn("processor/tail_sampling", "%s: dropped %d kept spans: %s", id, spans, why);
  }

  // Hands kept spans to the next consumer (behind what is held).
  void Send(TraceBatch out) { held.Send(pipeline::RequestContext(), std::move(out)); }

  void Tick() {
    held.Retry();
    OutputPlan plan;
    const auto started = std::chrono::steady_clock::now();
    const TimePoint now = clock.Now();
    // In slices, so intake waits for the lock at most one slice's time.
    for (bool more = true; more;) {
      std::lock_guard<std::mutex> lock(mu);
      if (stopped) return;
      more = DecideDueLocked(now, kTracesPerSlice, &plan);
      UpdateGaugesLocked();
    }
    TraceBatch out = plan.Build(config.record_policy);
    decision_latency->Observe(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    Send(std::move(out));
  }

  // Takes over the pending traces, their spans and the decision caches of `old`, an instance
  // of the same processor in the configuration being replaced (its receivers are closed by
  // now, so nothing new reaches it). Nothing moves once either has stopped or this one has
  // started (it would have traces of its own).
  void TakeOver(State& old) {
    std::scoped_lock both(old.mu, mu);
    if (old.stopped || stopped || started || old.pending.empty()) return;
    const size_t traces = old.pending.size();
    pending = std::move(old.pending);
    old.pending.clear();
    pool = std::move(old.pool);
    old.pool = SpanPool();
    by_arrival = std::move(old.by_arrival);
    old.by_arrival.clear();
    by_root = std::move(old.by_root);
    old.by_root.clear();
    decided = std::move(old.decided);
    pending_bytes = std::exchange(old.pending_bytes, 0);
    next_sequence = std::max(next_sequence, old.next_sequence);
    held_bytes = std::exchange(old.held_bytes, std::make_shared<std::atomic<size_t>>(0));
    UpdateGaugesLocked();
    log::Info("processor/tail_sampling",
              "%s: took over %d pending traces and the decision caches from the previous "
              "configuration",
              id, traces);
  }

  const std::string id;
  const std::string handover_key;                // the key in Live()
  const uint64_t generation = NextGeneration();  // creation order of the instances
  const Config config;
  Clock& clock;
  const Clock::Duration wait, root_wait;
  const size_t max_traces, max_bytes;

  prometheus::Counter *global_sampled, *global_not_sampled, *global_dropped, *dropped_too_early,
      *evaluation_error, *new_traces, *early, *too_large, *boosted, *late_dropped, *dropped,
      *refused;
  prometheus::Histogram *decision_latency, *late_span_age;
  prometheus::Gauge *traces_on_memory, *buffered_spans, *buffered_bytes, *active_boosts;
  log::RateLimited drop_log;
  // Kept spans the next consumer refused with a retryable error; while any is held, new
  // requests are refused.
  pipeline::HeldBatches held;
  // Bytes of the chunks pending traces refer to (shared with the chunks; moves with them).
  std::shared_ptr<std::atomic<size_t>> held_bytes = std::make_shared<std::atomic<size_t>>(0);
  pipeline::TimerHandle tick;

  std::mutex mu;
  // Everything below is guarded by mu.
  std::vector<NamedPolicy> policies;
  std::shared_ptr<const std::vector<std::string>> policy_names;  // in evaluation order
  std::vector<Decision> votes;                                   // scratch
  std::vector<pipeline::SamplingControl::Boost> boosts;          // as of boosts_checked
  TimePoint boosts_checked{};
  bool boosts_fresh = false;
  SpanPool pool;  // the span references of pending traces
  absl::flat_hash_map<TraceKey, Trace> pending;
  std::deque<DueEntry> by_arrival;  // in arrival order, hence in due order
  std::deque<DueEntry> by_root;     // in root arrival order
  DecisionCache decided;
  size_t pending_bytes = 0;  // what max_buffered_bytes bounds: spans' bytes and index
  uint64_t next_sequence = 1;
  bool stopped = false;
  bool started = false;

  static uint64_t NextGeneration() {
    static std::atomic<uint64_t> next{1};
    return next++;
  }
};

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : state_(std::make_unique<State>(settings, config, next)) {
  std::lock_guard<std::mutex> lock(Live().mu);
  Live().by_key.emplace(state_->handover_key, state_.get());
}

Processor::~Processor() {
  Shutdown(absl::Now());
  std::lock_guard<std::mutex> lock(Live().mu);
  auto [it, end] = Live().by_key.equal_range(state_->handover_key);
  for (; it != end; ++it) {
    if (it->second == state_.get()) {
      Live().by_key.erase(it);
      break;
    }
  }
}

absl::Status Processor::Start(pipeline::Host& host) {
  State* s = state_.get();
  {
    // A reload: the instance this one replaces still holds traces waiting for their decision;
    // they, their spans and the remembered decisions move here instead of being decided early.
    std::lock_guard<std::mutex> lock(Live().mu);
    auto [it, end] = Live().by_key.equal_range(s->handover_key);
    for (; it != end; ++it) {
      if (it->second != s) s->TakeOver(*it->second);
    }
  }
  // Decisions are made at this resolution: a tenth of the shortest wait, within [10ms, 100ms]
  // (short ticks keep each one's work, and a trace's extra wait, small).
  Clock::Duration shortest = s->wait;
  if (s->root_wait > Clock::Duration::zero()) shortest = std::min(shortest, s->root_wait);
  Clock::Duration period = std::clamp<Clock::Duration>(shortest / 10, std::chrono::milliseconds(10),
                                                       std::chrono::milliseconds(1000));
  pipeline::TimerHandle tick = s->clock.SchedulePeriodic(period, [s] { s->Tick(); });
  std::lock_guard<std::mutex> lock(s->mu);
  s->started = true;
  if (!s->stopped) s->tick = std::move(tick);
  return absl::OkStatus();
}

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  State& s = *state_;
  if (batch.empty()) return absl::OkStatus();
  if (!s.held.Retry()) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (!s.stopped) {
      s.refused->Increment(static_cast<double>(batch.span_count()));
      return absl::ResourceExhaustedError(absl::StrCat("tail_sampling processor ", s.id,
                                                       ": the next consumer is refusing data (",
                                                       s.held.reason(), "); retry later"));
    }
  }
  OutputPlan plan;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return absl::UnavailableError("tail_sampling processor is shutting down");
    const TimePoint now = s.clock.Now();
    s.AddLocked(std::move(batch), now, &plan);
    s.DecideOverflowLocked(now, &plan);
    s.UpdateGaugesLocked();
  }
  if (!plan.empty()) s.Send(plan.Build(s.config.record_policy));
  return absl::OkStatus();
}

void Processor::Shutdown(absl::Time deadline) {
  State& s = *state_;
  {
    // A reload retiring this instance: the one built to replace it (newer, not started yet)
    // takes what is pending, so those traces are decided whole, at their time, there.
    std::lock_guard<std::mutex> lock(Live().mu);
    auto [it, end] = Live().by_key.equal_range(s.handover_key);
    for (; it != end; ++it) {
      if (it->second != &s && it->second->generation > s.generation) {
        it->second->TakeOver(s);
        break;
      }
    }
  }
  pipeline::TimerHandle tick;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.stopped) return;
    s.stopped = true;
    tick = std::move(s.tick);
  }
  tick.Cancel();  // waits for a running tick
  OutputPlan plan;
  size_t discarded = 0;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    const TimePoint now = s.clock.Now();
    if (s.config.drop_pending_traces_on_shutdown) {
      for (auto& [key, trace] : s.pending) {
        discarded += trace.span_count;
        s.ReleaseLocked(trace);
      }
      s.pending.clear();
    } else {
      for (const DueEntry& e : s.by_arrival) s.DecideEntryLocked(e, now, &plan);
    }
    s.by_arrival.clear();
    s.by_root.clear();
    s.pending_bytes = 0;
    s.UpdateGaugesLocked();
  }
  if (discarded > 0) {
    s.dropped->Increment(static_cast<double>(discarded));
    log::Info("processor/tail_sampling",
              "%s: dropped %d spans of traces pending at shutdown "
              "(drop_pending_traces_on_shutdown)",
              s.id, discarded);
  }
  s.Send(plan.Build(s.config.record_policy));
  s.held.DrainUntil(deadline, absl::Milliseconds(50), "shutdown deadline passed");
}

size_t Processor::pending_traces() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->pending.size();
}

size_t Processor::held_bytes() const { return state_->held_bytes->load(std::memory_order_relaxed); }

}  // namespace weir::processors::tail_sampling
