#include "processors/probabilistic_sampler/processor.h"

#include <cmath>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "pipeline/telemetry/metrics.h"
#include "processors/probabilistic_sampler/sampling.h"

namespace weir::processors::probabilistic_sampler {

namespace {

// What a span's `sampling.priority` attribute says.
enum class Priority { kDefer, kNever, kAlways };

Priority PriorityOf(const pipeline::SpanView& span) {
  std::optional<pipeline::AttributeValue> v = span.FindAttribute("sampling.priority");
  if (!v) return Priority::kDefer;
  double p = 0;
  switch (v->type) {
    case pipeline::ValueType::kInt:
      p = static_cast<double>(v->int_value);
      break;
    case pipeline::ValueType::kDouble:
      p = v->double_value;
      break;
    case pipeline::ValueType::kString:
      if (!absl::SimpleAtod(v->bytes, &p)) return Priority::kDefer;
      break;
    default:
      return Priority::kDefer;
  }
  if (p == 0) return Priority::kNever;
  return p > 0 ? Priority::kAlways : Priority::kDefer;
}

// The verdict for one span and the tracestate a kept span leaves with.
struct Verdict {
  bool sampled = false;
  bool failed = false;  // randomness or tracestate unreadable (decided by fail_closed)
  std::optional<std::string> tracestate;  // set when it changes
};

}  // namespace

struct Processor::State {
  State(const pipeline::Settings& settings, const Config& config, pipeline::TracesConsumer& next)
      : config(config), next(next) {
    ratio = static_cast<double>(config.sampling_percentage) / 100;
    scaled = HashSeedScaledPercentage(config.sampling_percentage);
    if (ratio > 0) {
      // Validated: the probability is in [2^-56, 1].
      equalizing_threshold =
          ProbabilityToThreshold(std::min(1.0, ratio), config.sampling_precision).value_or(0);
    }
    auto& family = prometheus::BuildCounter()
                       .Name("otelcol_processor_probabilistic_sampler_count_traces_sampled")
                       .Help("Count of spans that were sampled or not")
                       .Register(settings.telemetry->registry());
    const std::string id = settings.id.ToString();
    auto add = [&](const char* policy, const char* sampled) {
      return &family.Add({{"processor", id}, {"policy", policy}, {"sampled", sampled}});
    };
    hash_sampled = add("trace_id_hash", "true");
    hash_not_sampled = add("trace_id_hash", "false");
    priority_sampled = add("sampling_priority", "true");
    priority_not_sampled = add("sampling_priority", "false");
    missing_randomness = add("missing_randomness", config.fail_closed ? "false" : "true");
  }

  Verdict Decide(const pipeline::SpanView& span) const {
    Verdict v;
    absl::StatusOr<OtTraceState> ts = ParseTraceState(span.trace_state());
    if (!ts.ok()) {
      v.failed = true;
      return v;
    }
    if (config.mode == Mode::kHashSeed) {
      // The legacy mode cannot honour randomness or a threshold that came with the span.
      if (ts->rv || ts->th) {
        v.failed = true;
        return v;
      }
      const uint32_t h = HashSeedHash(config.hash_seed, span.trace_id());
      v.sampled = (h & 0x3fff) < scaled;
      if (v.sampled) {
        ts->rv = EncodeRandomness(HashSeedRandomness(h));
        ts->th = EncodeThreshold(HashSeedThreshold(scaled));
        v.tracestate = FormatTraceState(*ts);
      }
      return v;
    }
    std::optional<uint64_t> randomness =
        ts->rv ? ParseRandomness(*ts->rv) : TraceIdRandomness(span.trace_id());
    if (!randomness) {
      v.failed = true;
      return v;
    }
    std::optional<uint64_t> arriving;
    if (ts->th) {
      arriving = ParseThreshold(*ts->th);
      // A threshold the span's own randomness does not pass: it was sampled inconsistently.
      if (!arriving || *randomness < *arriving) {
        v.failed = true;
        return v;
      }
    }
    if (ratio <= 0) return v;
    uint64_t threshold = equalizing_threshold;
    if (config.mode == Mode::kProportional && arriving) {
      const double p = ThresholdToProbability(*arriving) * std::min(1.0, ratio);
      absl::StatusOr<uint64_t> t = ProbabilityToThreshold(p, config.sampling_precision);
      if (!t.ok()) return v;  // below 2^-56: never
      threshold = *t;
    }
    v.sampled = *randomness >= threshold;
    if (v.sampled) {
      // A threshold is never lowered: what was sampled less before stays so.
      const uint64_t written = arriving ? std::max(*arriving, threshold) : threshold;
      ts->th = EncodeThreshold(written);
      std::string out = FormatTraceState(*ts);
      if (out != span.trace_state()) v.tracestate = std::move(out);
    }
    return v;
  }

  const Config config;
  pipeline::TracesConsumer& next;
  double ratio = 0;
  uint32_t scaled = 0;
  uint64_t equalizing_threshold = 0;
  prometheus::Counter *hash_sampled, *hash_not_sampled, *priority_sampled, *priority_not_sampled,
      *missing_randomness;
};

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : state_(std::make_unique<State>(settings, config, next)) {}

Processor::~Processor() = default;

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  const State& s = *state_;
  absl::Status edited = batch.EditSpans([&](pipeline::SpanEditor& e) {
    const pipeline::SpanView& span = e.span();
    switch (PriorityOf(span)) {
      case Priority::kNever:
        s.priority_not_sampled->Increment();
        e.Drop();
        return;
      case Priority::kAlways: {
        s.priority_sampled->Increment();
        // Kept with certainty: threshold 0 (adjusted count 1).
        absl::StatusOr<OtTraceState> ts = ParseTraceState(span.trace_state());
        if (ts.ok()) {
          ts->th = "0";
          std::string out = FormatTraceState(*ts);
          if (out != span.trace_state()) e.mutable_span()->set_trace_state(out);
        }
        return;
      }
      case Priority::kDefer:
        break;
    }
    Verdict v = s.Decide(span);
    if (v.failed) {
      s.missing_randomness->Increment();
      if (s.config.fail_closed) e.Drop();
      return;
    }
    (v.sampled ? s.hash_sampled : s.hash_not_sampled)->Increment();
    if (!v.sampled) {
      e.Drop();
    } else if (v.tracestate) {
      e.mutable_span()->set_trace_state(*v.tracestate);
    }
  });
  // A tracestate is ASCII by construction; the edit cannot make invalid UTF-8.
  edited.IgnoreError();
  if (batch.empty()) return absl::OkStatus();
  return s.next.ConsumeTraces(context, std::move(batch));
}

}  // namespace weir::processors::probabilistic_sampler
