#include "processors/memory_limiter/processor.h"

#include <malloc.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir::processors::memory_limiter {

Processor::Processor(const pipeline::Settings& settings, const Config& config,
                     pipeline::TracesConsumer& next)
    : id_(settings.id.ToString()),
      config_(config),
      next_(next),
      clock_(*settings.clock) {
  size_t available = pipeline::AvailableMemoryBytes();
  hard_limit_ = config_.HardLimitBytes(available);
  soft_limit_ = config_.SoftLimitBytes(available);
  refused_ = &prometheus::BuildCounter()
                  .Name("otelcol_processor_refused_spans")
                  .Help("Number of spans that were rejected by the next component")
                  .Register(settings.telemetry->registry())
                  .Add({{"processor", id_}});
}

Processor::~Processor() { Shutdown(absl::Now()); }

absl::Status Processor::Start(pipeline::Host& host) {
  rss_ = pipeline::ProcessRssBytes();
  check_timer_ = clock_.SchedulePeriodic(absl::ToChronoNanoseconds(config_.check_interval),
                                         [this] { Check(); });
  log::Info("processor/memory_limiter", "%s: soft limit %d MiB, hard limit %d MiB", id_,
            soft_limit_ >> 20, hard_limit_ >> 20);
  return absl::OkStatus();
}

void Processor::Check() {
  size_t rss = pipeline::ProcessRssBytes();
  if (rss > hard_limit_) {
    malloc_trim(0);
    rss = pipeline::ProcessRssBytes();
  }
  rss_ = rss;
}

void Processor::Shutdown(absl::Time deadline) { check_timer_.Cancel(); }

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  size_t usage = std::max(rss_.load(std::memory_order_relaxed),
                          pipeline::MemoryBudget::Process().used());
  if (usage > soft_limit_) {
    refused_->Increment(static_cast<double>(batch.span_count()));
    return absl::ResourceExhaustedError(
        absl::StrCat("memory_limiter ", id_, ": memory usage ", usage >> 20,
                     " MiB is above the soft limit of ", soft_limit_ >> 20, " MiB; retry later"));
  }
  return next_.ConsumeTraces(context, std::move(batch));
}

}  // namespace weir::processors::memory_limiter
