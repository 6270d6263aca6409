#include "cmd/weir-loadgen/load_driver.h"

#include <algorithm>
#include <utility>

namespace weir::loadgen {
namespace {

// How long a lane waits after a request got no answer at all before it sends again.
constexpr auto kConnectionErrorPause = std::chrono::milliseconds(100);

// How many distinct error messages the report keeps.
constexpr size_t kMaxErrorKinds = 8;

}  // namespace

LoadDriver::LoadDriver(boost::asio::io_context& io, SendSchedule& schedule, PayloadSource& payloads,
                       Transport& transport, std::FILE* record)
    : io_(io), schedule_(schedule), payloads_(payloads), transport_(transport), record_(record) {
  for (int i = 0; i < transport_.lanes(); ++i) lanes_.push_back(std::make_unique<Lane>(io_));
}

void LoadDriver::Start(std::function<void()> on_finished) {
  on_finished_ = std::move(on_finished);
  for (int lane = 0; lane < static_cast<int>(lanes_.size()); ++lane) Pump(lane);
}

void LoadDriver::Stop() {
  if (stopping_) return;
  stopping_ = true;
  schedule_.Stop(Clock::now());
  // Lanes waiting for a due time wake up with operation_aborted and go idle.
  for (auto& lane : lanes_) lane->timer.cancel();
  MaybeFinish();
}

void LoadDriver::Pump(int lane) {
  Lane& l = *lanes_[static_cast<size_t>(lane)];
  const Clock::time_point now = Clock::now();
  std::optional<Ticket> ticket = stopping_ ? std::nullopt : schedule_.Next(now);
  if (!ticket) return Idle(lane);
  if (!l.active) {
    l.active = true;
    ++active_lanes_;
  }
  std::shared_ptr<const Payload> payload = payloads_.Next(ticket->spans);
  if (ticket->due <= now) return Send(lane, *ticket, std::move(payload));
  l.timer.expires_at(ticket->due);
  l.timer.async_wait([this, lane, ticket = *ticket,
                      payload = std::move(payload)](const boost::system::error_code& ec) mutable {
    if (ec || stopping_) return Idle(lane);
    Send(lane, ticket, std::move(payload));
  });
}

void LoadDriver::Send(int lane, const Ticket& ticket, std::shared_ptr<const Payload> payload) {
  if (record_ != nullptr && !payload->record_line.empty()) {
    std::fwrite(payload->record_line.data(), 1, payload->record_line.size(), record_);
  }
  if (ticket.measured) {
    ++stats_.requests;
    stats_.sent_spans += static_cast<uint64_t>(ticket.spans);
  }
  const Clock::time_point sent_at = Clock::now();
  transport_.Send(lane, std::move(payload), [this, lane, ticket, sent_at](SendResult result) {
    OnDone(lane, ticket, sent_at, std::move(result));
  });
}

void LoadDriver::OnDone(int lane, const Ticket& ticket, Clock::time_point sent_at,
                        SendResult result) {
  const Clock::time_point now = Clock::now();
  const auto spans = static_cast<uint64_t>(ticket.spans);
  if (result.outcome == Outcome::kAcked) ++stats_.acked_requests_total;
  if (result.outcome != Outcome::kAcked) NoteError(result.error);
  if (ticket.measured) {
    last_measured_answer_ = std::max(last_measured_answer_, now);
    switch (result.outcome) {
      case Outcome::kAcked:
        stats_.acked_spans += spans;
        stats_.rejected_spans += std::min(result.rejected_spans, spans);
        stats_.latency_us.Record(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at).count()));
        break;
      case Outcome::kRefused:
        stats_.refused_spans += spans;
        break;
      case Outcome::kFailed:
        stats_.failed_spans += spans;
        break;
    }
  }
  if (stopping_) return Idle(lane);
  if (!result.connection_error) return Pump(lane);
  Lane& l = *lanes_[static_cast<size_t>(lane)];
  l.timer.expires_after(kConnectionErrorPause);
  l.timer.async_wait([this, lane](const boost::system::error_code& ec) {
    if (ec || stopping_) return Idle(lane);
    Pump(lane);
  });
}

void LoadDriver::Idle(int lane) {
  Lane& l = *lanes_[static_cast<size_t>(lane)];
  if (l.active) {
    l.active = false;
    --active_lanes_;
  }
  MaybeFinish();
}

void LoadDriver::NoteError(const std::string& error) {
  auto it = stats_.errors.find(error);
  if (it != stats_.errors.end()) {
    ++it->second;
  } else if (stats_.errors.size() < kMaxErrorKinds) {
    stats_.errors.emplace(error, 1);
  } else {
    ++stats_.other_errors;
  }
}

void LoadDriver::MaybeFinish() {
  if (finished_ || active_lanes_ > 0) return;
  // Every lane is idle only when the schedule is over (or Stop was called), since a lane goes
  // idle only when the schedule has no ticket for it.
  finished_ = true;
  const Clock::time_point start = schedule_.measure_start();
  Clock::time_point end = std::max(last_measured_answer_, start);
  if (std::optional<Clock::time_point> planned = schedule_.planned_end()) {
    end = std::max(end, *planned);
  }
  if (stats_.requests == 0) end = start;
  stats_.seconds = std::chrono::duration<double>(end - start).count();
  if (on_finished_) on_finished_();
}

}  // namespace weir::loadgen
