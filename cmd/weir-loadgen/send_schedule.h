// SendSchedule: decides how many spans the next request carries, when it is due, whether it
// belongs to the warm-up or the measured run, and when the run is over.
//
// With a rate, request k is due at start + (spans offered before k) / rate, one global
// timeline for all connections, so the offered load is exactly --rate spans/s. A request whose
// due time has already passed (every connection was busy) is sent at once; the timeline itself
// never slips, so the sender catches up when the collector does. Without a rate every request
// is due immediately and the senders run as fast as they are acknowledged.
//
// The warm-up covers [start, start + warmup); the measured run starts there and ends after
// --duration or once --count spans are scheduled, whichever comes first. The last request of a
// --count run carries only the spans still missing.
//
// Threading: thread-compatible; weir-loadgen uses it from the one I/O thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "cmd/weir-loadgen/flags.h"

namespace weir::loadgen {

using Clock = std::chrono::steady_clock;

struct ScheduleOptions {
  double rate = 0;  // spans/s; 0 = no pacing
  std::optional<absl::Duration> duration;
  std::optional<uint64_t> count;
  absl::Duration warmup = absl::ZeroDuration();
  int spans_per_request = 100;
};

ScheduleOptions ScheduleOptionsFrom(const LoadgenOptions& options);

struct Ticket {
  int spans = 0;
  Clock::time_point due;  // send at this time, or at once if it has passed
  bool measured = false;  // false: warm-up, sent but not reported
};

class SendSchedule {
 public:
  SendSchedule(const ScheduleOptions& options, Clock::time_point start);

  // The next request to send, or nullopt when the run is over (also on every later call).
  std::optional<Ticket> Next(Clock::time_point now);

  // Ends the run early: Next returns nullopt from now on.
  void Stop(Clock::time_point now);

  // When the measured run began: the due time of its first request (the warm-up's last slot
  // may reach past the nominal end of the warm-up), or the nominal start before that request.
  Clock::time_point measure_start() const { return first_measured_due_.value_or(measure_start_); }

  // When the measured run was planned to end given what was scheduled: with a rate, the end of
  // the last scheduled span's slot; without one, the --duration deadline if it ended the run;
  // after Stop, no later than the stop. nullopt when nothing bounds it (a --count run without
  // a rate: it ends with its last acknowledgement).
  std::optional<Clock::time_point> planned_end() const;

 private:
  Clock::time_point SlotTime(uint64_t spans) const;

  ScheduleOptions options_;
  Clock::time_point start_;
  Clock::time_point measure_start_;
  std::optional<Clock::time_point> measure_end_;  // from --duration
  std::optional<Clock::time_point> first_measured_due_;
  std::optional<Clock::time_point> stopped_at_;
  bool over_ = false;
  bool ended_by_duration_ = false;
  uint64_t offered_spans_ = 0;   // every span scheduled so far, warm-up included
  uint64_t measured_spans_ = 0;  // spans scheduled in the measured run
};

}  // namespace weir::loadgen
