#include "processors/filter/processor.h"

#include <vector>

#include "absl/time/clock.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::processors::filter {

namespace {
constexpr char kComponent[] = "processor/filter";
}  // namespace

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : id_(settings.id.ToString()), config_(config), next_(next) {
  auto& registry = settings.telemetry->registry();
  spans_filtered_ = &prometheus::BuildCounter()
                         .Name("otelcol_processor_filter_spans_filtered")
                         .Help("Number of spans dropped by the filter processor")
                         .Register(registry)
                         .Add({{"filter", id_}});
  events_filtered_ = &prometheus::BuildCounter()
                          .Name("weir_processor_filter_span_events_filtered")
                          .Help("Number of span events dropped by the filter processor")
                          .Register(registry)
                          .Add({{"filter", id_}});
  errors_ = &prometheus::BuildCounter()
                 .Name("weir_processor_filter_condition_errors")
                 .Help("Conditions that failed to evaluate (handled by error_mode)")
                 .Register(registry)
                 .Add({{"filter", id_}});
}

bool Processor::AnyHolds(const std::vector<pipeline::ottl::Condition>& conditions,
                         const pipeline::SpanView& span, const pipeline::ottl::EventView* event,
                         absl::Status* error) const {
  for (const pipeline::ottl::Condition& c : conditions) {
    absl::StatusOr<bool> r = c.Evaluate(span, event);
    if (r.ok()) {
      if (*r) return true;
      continue;
    }
    errors_->Increment();
    switch (config_.error_mode) {
      case pipeline::ottl::ErrorMode::kPropagate:
        if (error->ok()) {
          *error = absl::InvalidArgumentError(
              absl::StrCat(id_, ": condition `", c.text(), "` failed: ", r.status().message()));
        }
        return false;
      case pipeline::ottl::ErrorMode::kIgnore: {
        // At most one line a second.
        const int64_t now = absl::ToUnixSeconds(absl::Now());
        int64_t last = last_log_second_.load(std::memory_order_relaxed);
        if (last != now && last_log_second_.compare_exchange_strong(last, now)) {
          log::Warn(kComponent, "%s: condition `%s` failed, counted as false: %s", id_, c.text(),
                    r.status().message());
        }
        break;
      }
      case pipeline::ottl::ErrorMode::kSilent:
        break;
    }
  }
  return false;
}

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  const size_t before = batch.span_count();
  uint64_t events_dropped = 0;
  absl::Status error;
  absl::Status edited = batch.EditSpans([&](pipeline::SpanEditor& e) {
    const pipeline::SpanView& span = e.span();
    bool drop = !config_.legacy.empty() && config_.legacy.Skip(span);
    if (!drop && !config_.span.empty()) drop = AnyHolds(config_.span, span, nullptr, &error);
    if (drop) {
      e.Drop();
      return;
    }
    if (config_.spanevent.empty()) return;
    std::vector<int> doomed;
    int index = 0;
    span.ForEachEvent([&](absl::string_view name, uint64_t time, absl::string_view body) {
      const pipeline::ottl::EventView event{name, time, body};
      if (AnyHolds(config_.spanevent, span, &event, &error)) doomed.push_back(index);
      ++index;
    });
    if (doomed.empty()) return;
    auto* events = e.mutable_span()->mutable_events();
    for (auto it = doomed.rbegin(); it != doomed.rend(); ++it) events->DeleteSubrange(*it, 1);
    events_dropped += doomed.size();
  });
  if (!error.ok()) return error;  // propagate: the batch is refused as it came
  if (!edited.ok()) return edited;
  spans_filtered_->Increment(static_cast<double>(before - batch.span_count()));
  if (events_dropped > 0) events_filtered_->Increment(static_cast<double>(events_dropped));
  if (batch.empty()) return absl::OkStatus();
  return next_.ConsumeTraces(context, std::move(batch));
}

}  // namespace weir::processors::filter
