// TimerWheel: a hierarchical timer wheel for many pending deadlines (hundreds of thousands or
// more), with O(1) insert, cancel and reschedule and amortised O(1) expiry.
//
// Time is cut into ticks of a fixed length (`tick`, e.g. 1 ms). A deadline d falls due at the
// first tick boundary at or after it, ceil(d / tick) * tick, so a timer is never due early and
// is due at most one tick after its deadline; how late it actually fires also depends on how
// often the owner calls PopExpired/Advance. With a 1 ns tick the wheel is exact for
// std::chrono::steady_clock. Timers that fall due at the same tick come out in the order they
// were placed in that tick (deterministic, but not sorted by deadline within a tick). A deadline
// whose tick boundary lies beyond TimePoint::max() never falls due.
//
// The wheel has 11 levels of 64 slots, enough for any 64-bit tick count. A timer sits at the
// level of the highest 6-bit digit in which its due tick differs from the wheel's current tick,
// and moves down at most once per level as time reaches it. Empty stretches of time are skipped
// with one bit scan per level, so advancing far ahead costs O(levels), not O(ticks).
//
// Memory: one 64-byte node per timer, in chunks that are reused through a free list; nothing
// is allocated per timer once the chunks have grown to the peak count (the std::function
// allocates only if the callable is larger than its small buffer). A TimerId names a node and
// its generation, so a stale id (the timer fired, was cancelled, or its node was reused) is
// recognised and refused rather than acting on another timer. Generations are 32-bit: an id
// held across 2^32 reuses of one node could alias; that is accepted.
//
// Threading: none inside and none safe: the owner serialises every call (e.g. under its own
// mutex). There are no threads or clocks inside; time moves only through the `now` arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace weir::pipeline {

class TimerWheel {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;
  using Callback = std::function<void()>;

  // Names one timer. A default-constructed id names none.
  struct TimerId {
    uint32_t index = 0;
    uint32_t generation = 0;  // never 0 for a real timer

    bool valid() const { return generation != 0; }
    uint64_t Pack() const { return (uint64_t{generation} << 32) | index; }
    static TimerId Unpack(uint64_t packed) {
      return TimerId{static_cast<uint32_t>(packed), static_cast<uint32_t>(packed >> 32)};
    }
    friend bool operator==(TimerId a, TimerId b) = default;
  };

  // A timer taken out by PopExpired. Its node stays reserved (its id stays unique) until the
  // owner calls Release or Rearm with the id.
  struct Expired {
    TimerId id;
    TimePoint deadline;  // as inserted (or clamped to the wheel's time, see Insert)
    Callback fn;
  };

  // A wheel whose time starts at `start`. REQUIRES: tick > 0.
  TimerWheel(Duration tick, TimePoint start);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Adds a timer due at `deadline`; a deadline at or before now() is due at once (the next
  // PopExpired returns it) and is recorded as now(). Returns its id. O(1).
  TimerId Insert(TimePoint deadline, Callback fn);

  // Removes a pending timer. Returns true and, if `fn` is not null, moves its callback there
  // (so the owner can destroy it outside a lock); returns false if `id` names no pending timer
  // (stale, never valid, or expired and held by the owner). O(1).
  bool Cancel(TimerId id, Callback* fn = nullptr);

  // Moves a pending timer to a new deadline, keeping its id. Returns false, changing nothing,
  // if `id` names no pending timer. O(1).
  bool Reschedule(TimerId id, TimePoint deadline);

  // Takes out the earliest timer due at `now` (its tick boundary at or before `now`) and
  // returns it, or returns nullopt when none is due; the wheel's time moves forward to `now`
  // only once nothing is left due, so timers inserted meanwhile keep their order. A `now`
  // before now() is treated as now(). Amortised O(1) per timer, plus O(levels) per call.
  std::optional<Expired> PopExpired(TimePoint now);

  // Puts an expired timer back with a new deadline (e.g. the next period), keeping its id.
  // REQUIRES: `id` came from PopExpired and was neither released nor re-armed since.
  void Rearm(TimerId id, TimePoint deadline, Callback fn);

  // Frees an expired timer's node; its id becomes stale.
  // REQUIRES: `id` came from PopExpired and was neither released nor re-armed since.
  void Release(TimerId id);

  // Fires every timer due at `now`, in due order, on the calling thread: each is released and
  // then called, so a callback may Insert, Cancel or Reschedule on this wheel (a timer it
  // inserts that is due at `now` fires in this same call). Returns how many fired.
  size_t Advance(TimePoint now);

  // The earliest time at which PopExpired may return a timer: exact when the next timer is
  // within 64 ticks, otherwise a lower bound (the wheel then needs a PopExpired at that time to
  // move timers down a level, and answers a later time afterwards). nullopt when empty.
  std::optional<TimePoint> NextExpiry() const;

  // Removes every pending timer and appends their callbacks to `fns` (so the owner can
  // destroy them outside a lock). Expired timers held by the owner are not affected.
  void TakeAll(std::vector<Callback>* fns);

  // The number of pending timers (not counting expired ones held by the owner).
  size_t size() const { return pending_; }
  bool empty() const { return pending_ == 0; }
  // The wheel's time: the latest `now` it has processed completely.
  TimePoint now() const { return now_; }
  Duration tick() const { return Duration(tick_); }

 private:
  static constexpr int kSlotBits = 6;
  static constexpr int kSlots = 1 << kSlotBits;
  static constexpr int kLevels = 11;  // 66 bits: any 64-bit tick count
  static constexpr uint32_t kNil = UINT32_MAX;
  static constexpr uint32_t kChunkBits = 10;
  static constexpr uint32_t kChunk = 1u << kChunkBits;

  enum class State : uint8_t { kFree, kPending, kDue, kExpired };

  struct Node {
    Callback fn;
    TimePoint deadline;
    uint64_t tick = 0;  // the tick at which it is due
    uint32_t prev = kNil;
    uint32_t next = kNil;
    uint32_t generation = 1;
    State state = State::kFree;
    uint8_t level = 0;
    uint8_t slot = 0;
  };

  struct List {
    uint32_t head = kNil;
    uint32_t tail = kNil;
  };

  Node& node(uint32_t index) { return chunks_[index >> kChunkBits][index & (kChunk - 1)]; }
  const Node& node(uint32_t index) const {
    return chunks_[index >> kChunkBits][index & (kChunk - 1)];
  }
  // The node `id` names if it is in one of `states`-like pending states, else nullptr.
  Node* PendingNode(TimerId id);
  uint32_t Allocate();
  void Free(uint32_t index);
  void PushBack(List& list, uint32_t index);
  void Unlink(List& list, uint32_t index);
  // Links a node whose deadline and tick are set into the due list or its wheel slot.
  void Place(uint32_t index);
  // Takes a pending or due node out of its list.
  void Remove(uint32_t index);
  void SetDeadline(Node& n, TimePoint deadline);
  uint64_t CeilTick(TimePoint t) const;
  uint64_t FloorTick(TimePoint t) const;
  // The first tick of slot `slot` at `level`, given the current tick's higher digits.
  uint64_t SlotBase(int level, int slot) const;

  int64_t tick_;  // in Duration units (ns)
  std::vector<std::unique_ptr<Node[]>> chunks_;
  uint32_t allocated_ = 0;  // nodes ever handed out; the rest of the last chunk is unused
  uint32_t free_head_ = kNil;
  size_t pending_ = 0;

  // Every pending timer due at or before current_ is in due_; every other one is in the slot
  // given by its highest tick digit that differs from current_. now_ is in tick current_.
  uint64_t current_;
  TimePoint now_;
  List due_;
  List slots_[kLevels][kSlots];
  uint64_t occupied_[kLevels] = {};  // bit s set iff slots_[level][s] is non-empty
};

}  // namespace weir::pipeline
