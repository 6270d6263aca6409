// LoadDriver: runs a weir-loadgen benchmark. It keeps every transport lane busy with requests
// from the SendSchedule, waits for each request's due time on a per-lane timer, hands the
// payload to the transport, and records each outcome and latency into RunStats.
//
// A lane whose request failed without an answer from the collector (connection refused,
// reset, timeout) pauses briefly before its next request, so a dead collector is not hammered
// in a tight loop.
//
// Threading: every method, and every callback it causes, runs on the thread that runs `io`;
// nothing is locked. Transports deliver their completions onto that thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "cmd/weir-loadgen/payloads.h"
#include "cmd/weir-loadgen/report.h"
#include "cmd/weir-loadgen/send_schedule.h"
#include "cmd/weir-loadgen/transport.h"

namespace weir::loadgen {

class LoadDriver {
 public:
  // Borrows everything; all must outlive the driver. `record` (may be null) receives the
  // OTLP/JSON line of every request sent; the caller closes it.
  LoadDriver(boost::asio::io_context& io, SendSchedule& schedule, PayloadSource& payloads,
             Transport& transport, std::FILE* record);

  // Starts every lane. `on_finished` runs once, on the I/O thread, when the schedule is over
  // and no request is outstanding.
  void Start(std::function<void()> on_finished);

  // Ends the run early: no new request is sent, lanes waiting for a due time give up, and
  // on_finished runs once the outstanding requests are answered.
  void Stop();

  bool finished() const { return finished_; }

  // The measurement; complete once on_finished has run.
  const RunStats& stats() const { return stats_; }

 private:
  struct Lane {
    explicit Lane(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    bool active = false;  // holds a ticket: waiting for its due time or awaiting an answer
  };

  void Pump(int lane);
  void Send(int lane, const Ticket& ticket, std::shared_ptr<const Payload> payload);
  void OnDone(int lane, const Ticket& ticket, Clock::time_point sent_at, SendResult result);
  void Idle(int lane);
  void NoteError(const std::string& error);
  void MaybeFinish();

  boost::asio::io_context& io_;
  SendSchedule& schedule_;
  PayloadSource& payloads_;
  Transport& transport_;
  std::FILE* record_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  int active_lanes_ = 0;
  bool stopping_ = false;
  bool finished_ = false;
  std::function<void()> on_finished_;
  RunStats stats_;
  Clock::time_point last_measured_answer_{};
};

}  // namespace weir::loadgen
