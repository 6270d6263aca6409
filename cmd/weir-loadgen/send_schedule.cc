#include "cmd/weir-loadgen/send_schedule.h"

#include <algorithm>

namespace weir::loadgen {

ScheduleOptions ScheduleOptionsFrom(const LoadgenOptions& options) {
  ScheduleOptions s;
  s.rate = options.rate;
  s.duration = options.duration;
  s.count = options.count;
  s.warmup = options.warmup;
  s.spans_per_request = options.spans_per_request;
  return s;
}

SendSchedule::SendSchedule(const ScheduleOptions& options, Clock::time_point start)
    : options_(options),
      start_(start),
      measure_start_(start + absl::ToChronoNanoseconds(options.warmup)) {
  if (options_.duration) {
    measure_end_ = measure_start_ + absl::ToChronoNanoseconds(*options_.duration);
  }
}

Clock::time_point SendSchedule::SlotTime(uint64_t spans) const {
  // Seconds as a double keep nanosecond precision for runs far longer than any benchmark.
  const double seconds = static_cast<double>(spans) / options_.rate;
  return start_ +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::optional<Ticket> SendSchedule::Next(Clock::time_point now) {
  if (over_) return std::nullopt;
  const Clock::time_point due = options_.rate > 0 ? SlotTime(offered_spans_) : now;
  const bool measured = due >= measure_start_;
  if (measured && measure_end_ && due >= *measure_end_) {
    over_ = true;
    ended_by_duration_ = true;
    return std::nullopt;
  }
  int spans = options_.spans_per_request;
  if (measured && options_.count) {
    const uint64_t missing = *options_.count - measured_spans_;
    if (missing == 0) {
      over_ = true;
      return std::nullopt;
    }
    spans = static_cast<int>(std::min<uint64_t>(missing, static_cast<uint64_t>(spans)));
  }
  offered_spans_ += static_cast<uint64_t>(spans);
  if (measured) {
    if (!first_measured_due_) first_measured_due_ = due;
    measured_spans_ += static_cast<uint64_t>(spans);
  }
  return Ticket{spans, due, measured};
}

void SendSchedule::Stop(Clock::time_point now) {
  if (over_) return;
  over_ = true;
  stopped_at_ = now;
}

std::optional<Clock::time_point> SendSchedule::planned_end() const {
  std::optional<Clock::time_point> end;
  if (options_.rate > 0) {
    end = SlotTime(offered_spans_);
  } else if (ended_by_duration_) {
    end = measure_end_;
  }
  if (end && measure_end_) end = std::min(*end, *measure_end_);
  if (stopped_at_) end = end ? std::min(*end, *stopped_at_) : *stopped_at_;
  return end;
}

}  // namespace weir::loadgen
