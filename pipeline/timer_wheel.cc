#include "pipeline/timer_wheel.h"

#include <bit>
#include <cassert>
#include <limits>

namespace weir::pipeline {

TimerWheel::TimerWheel(Duration tick, TimePoint start) : tick_(tick.count()) {
  assert(tick_ > 0);
  if (tick_ <= 0) tick_ = 1;
  // steady_clock never goes below its epoch; a start before it is treated as the epoch.
  now_ = start < TimePoint{} ? TimePoint{} : start;
  current_ = FloorTick(now_);
}

TimerWheel::~TimerWheel() = default;

uint64_t TimerWheel::FloorTick(TimePoint t) const {
  int64_t ns = t.time_since_epoch().count();
  return ns <= 0 ? 0 : static_cast<uint64_t>(ns / tick_);
}

uint64_t TimerWheel::CeilTick(TimePoint t) const {
  int64_t ns = t.time_since_epoch().count();
  if (ns <= 0) return 0;
  return static_cast<uint64_t>(ns / tick_ + (ns % tick_ != 0 ? 1 : 0));
}

uint64_t TimerWheel::SlotBase(int level, int slot) const {
  int shift = level * kSlotBits;
  int above = shift + kSlotBits;
  uint64_t high = above >= 64 ? 0 : (current_ >> above) << above;
  return high | (uint64_t(slot) << shift);
}

uint32_t TimerWheel::Allocate() {
  if (free_head_ != kNil) {
    uint32_t index = free_head_;
    free_head_ = node(index).next;
    return index;
  }
  if ((allocated_ & (kChunk - 1)) == 0) chunks_.push_back(std::make_unique<Node[]>(kChunk));
  return allocated_++;
}

void TimerWheel::Free(uint32_t index) {
  Node& n = node(index);
  n.fn = nullptr;
  n.state = State::kFree;
  if (++n.generation == 0) n.generation = 1;
  n.prev = kNil;
  n.next = free_head_;
  free_head_ = index;
}

void TimerWheel::PushBack(List& list, uint32_t index) {
  Node& n = node(index);
  n.next = kNil;
  n.prev = list.tail;
  if (list.tail == kNil) {
    list.head = index;
  } else {
    node(list.tail).next = index;
  }
  list.tail = index;
}

void TimerWheel::Unlink(List& list, uint32_t index) {
  Node& n = node(index);
  if (n.prev == kNil) {
    list.head = n.next;
  } else {
    node(n.prev).next = n.next;
  }
  if (n.next == kNil) {
    list.tail = n.prev;
  } else {
    node(n.next).prev = n.prev;
  }
  n.prev = n.next = kNil;
}

void TimerWheel::SetDeadline(Node& n, TimePoint deadline) {
  if (deadline <= now_) {
    n.deadline = now_;
    n.tick = current_;
  } else {
    n.deadline = deadline;
    n.tick = CeilTick(deadline);  // > current_, as now_ lies in tick current_
  }
}

void TimerWheel::Place(uint32_t index) {
  Node& n = node(index);
  if (n.tick <= current_) {
    n.state = State::kDue;
    PushBack(due_, index);
    return;
  }
  int level = (63 - std::countl_zero(n.tick ^ current_)) / kSlotBits;
  int slot = static_cast<int>((n.tick >> (level * kSlotBits)) & (kSlots - 1));
  n.state = State::kPending;
  n.level = static_cast<uint8_t>(level);
  n.slot = static_cast<uint8_t>(slot);
  PushBack(slots_[level][slot], index);
  occupied_[level] |= uint64_t{1} << slot;
}

void TimerWheel::Remove(uint32_t index) {
  Node& n = node(index);
  if (n.state == State::kDue) {
    Unlink(due_, index);
    return;
  }
  List& list = slots_[n.level][n.slot];
  Unlink(list, index);
  if (list.head == kNil) occupied_[n.level] &= ~(uint64_t{1} << n.slot);
}

TimerWheel::Node* TimerWheel::PendingNode(TimerId id) {
  if (!id.valid() || id.index >= allocated_) return nullptr;
  Node& n = node(id.index);
  if (n.generation != id.generation) return nullptr;
  if (n.state != State::kPending && n.state != State::kDue) return nullptr;
  return &n;
}

TimerWheel::TimerId TimerWheel::Insert(TimePoint deadline, Callback fn) {
  uint32_t index = Allocate();
  Node& n = node(index);
  n.fn = std::move(fn);
  SetDeadline(n, deadline);
  Place(index);
  ++pending_;
  return TimerId{index, n.generation};
}

bool TimerWheel::Cancel(TimerId id, Callback* fn) {
  Node* n = PendingNode(id);
  if (n == nullptr) return false;
  Remove(id.index);
  if (fn != nullptr) *fn = std::move(n->fn);
  Free(id.index);
  --pending_;
  return true;
}

bool TimerWheel::Reschedule(TimerId id, TimePoint deadline) {
  Node* n = PendingNode(id);
  if (n == nullptr) return false;
  Remove(id.index);
  SetDeadline(*n, deadline);
  Place(id.index);
  return true;
}

std::optional<TimerWheel::Expired> TimerWheel::PopExpired(TimePoint now) {
  const uint64_t target = FloorTick(now);
  while (due_.head == kNil) {
    int level = 0;
    while (level < kLevels && occupied_[level] == 0) ++level;
    uint64_t base = 0;
    if (level < kLevels) base = SlotBase(level, std::countr_zero(occupied_[level]));
    if (level == kLevels || base > target) {
      // Nothing is due by `now`. Moving current_ to target keeps every timer's digit
      // placement: target shares current_'s digits above `level`, and its digit at `level`
      // is still below the lowest occupied slot there.
      if (target > current_) current_ = target;
      if (now > now_) now_ = now;
      return std::nullopt;
    }
    // The lowest occupied slot of the lowest occupied level holds the earliest timers: move
    // time to its first tick and spread it over the due list and the lower levels.
    int slot = std::countr_zero(occupied_[level]);
    current_ = base;
    TimePoint base_time{Duration(static_cast<int64_t>(base) * tick_)};
    if (base_time > now_) now_ = base_time;
    List list = slots_[level][slot];
    slots_[level][slot] = List{};
    occupied_[level] &= ~(uint64_t{1} << slot);
    for (uint32_t index = list.head; index != kNil;) {
      uint32_t next = node(index).next;
      Place(index);
      index = next;
    }
  }
  uint32_t index = due_.head;
  Unlink(due_, index);
  Node& n = node(index);
  n.state = State::kExpired;
  --pending_;
  return Expired{TimerId{index, n.generation}, n.deadline, std::move(n.fn)};
}

void TimerWheel::Rearm(TimerId id, TimePoint deadline, Callback fn) {
  Node& n = node(id.index);
  assert(n.generation == id.generation && n.state == State::kExpired);
  n.fn = std::move(fn);
  SetDeadline(n, deadline);
  Place(id.index);
  ++pending_;
}

void TimerWheel::Release(TimerId id) {
  assert(node(id.index).generation == id.generation && node(id.index).state == State::kExpired);
  Free(id.index);
}

size_t TimerWheel::Advance(TimePoint now) {
  size_t fired = 0;
  while (std::optional<Expired> e = PopExpired(now)) {
    Release(e->id);
    e->fn();
    ++fired;
  }
  return fired;
}

std::optional<TimerWheel::TimePoint> TimerWheel::NextExpiry() const {
  if (due_.head != kNil) return now_;
  for (int level = 0; level < kLevels; ++level) {
    if (occupied_[level] == 0) continue;
    uint64_t base = SlotBase(level, std::countr_zero(occupied_[level]));
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (base > kMax / static_cast<uint64_t>(tick_)) return TimePoint::max();
    return TimePoint{Duration(static_cast<int64_t>(base) * tick_)};
  }
  return std::nullopt;
}

void TimerWheel::TakeAll(std::vector<Callback>* fns) {
  auto drain = [&](List& list) {
    for (uint32_t index = list.head; index != kNil;) {
      uint32_t next = node(index).next;
      fns->push_back(std::move(node(index).fn));
      Free(index);
      index = next;
    }
    list = List{};
  };
  drain(due_);
  for (int level = 0; level < kLevels; ++level) {
    for (int slot = 0; slot < kSlots; ++slot) {
      if (occupied_[level] & (uint64_t{1} << slot)) drain(slots_[level][slot]);
    }
    occupied_[level] = 0;
  }
  pending_ = 0;
}

}  // namespace weir::pipeline
