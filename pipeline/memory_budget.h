// MemoryBudget: byte accounting of everything in weir that holds spans, and the limit that
// turns overload into pushback instead of growth.
//
// Every TraceBatch chunk (the received bytes and their index) is charged to the process budget
// for as long as any batch, queue or processor holds it, so "used" covers batches being
// assembled, sending queues and whatever a processor buffers, without each of them keeping
// its own count. Receivers charge request bodies while they read and decompress them. Charging
// never fails: what is charged is memory already held. The limit is enforced at the door —
// receivers ask HasRoom/TryCharge before they read or accept more, and refuse with the
// retryable answer (gRPC RESOURCE_EXHAUSTED with RetryInfo, HTTP 429 with Retry-After) when
// the budget is spent. Components return OverBudget() for that refusal.
//
// Threading: every method is safe from any thread; the counters are atomics.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace weir::pipeline {

class MemoryCharge;

class MemoryBudget {
 public:
  static constexpr size_t kUnlimited = SIZE_MAX;

  explicit MemoryBudget(size_t limit = kUnlimited) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // The budget every TraceBatch chunk is charged to. Unlimited until the service sets a limit.
  static MemoryBudget& Process();

  void set_limit(size_t bytes) { limit_.store(bytes, std::memory_order_relaxed); }
  size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  // The largest `used` seen since start (for tests and the benchmark report).
  size_t peak() const { return peak_.load(std::memory_order_relaxed); }

  // True when `bytes` more would stay within the limit.
  bool HasRoom(size_t bytes = 0) const;
  // How many bytes more would stay within the limit (0 when it is reached or passed).
  size_t room() const {
    size_t u = used(), l = limit();
    return u < l ? l - u : 0;
  }

  // Charges `bytes` unconditionally (memory already held).
  MemoryCharge Charge(size_t bytes);
  // Charges `bytes` only if they fit under the limit.
  std::optional<MemoryCharge> TryCharge(size_t bytes);

 private:
  friend class MemoryCharge;
  void Add(size_t bytes);
  bool TryAdd(size_t bytes);
  void Sub(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  std::atomic<size_t> limit_;
  std::atomic<size_t> used_{0};
  std::atomic<size_t> peak_{0};
};

// A number of bytes charged to a budget, released when the charge is destroyed. Move-only.
class MemoryCharge {
 public:
  MemoryCharge() = default;
  MemoryCharge(MemoryCharge&& other) noexcept
      : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  MemoryCharge& operator=(MemoryCharge&& other) noexcept {
    if (this != &other) {
      Release();
      budget_ = std::exchange(other.budget_, nullptr);
      bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
  }
  MemoryCharge(const MemoryCharge&) = delete;
  MemoryCharge& operator=(const MemoryCharge&) = delete;
  ~MemoryCharge() { Release(); }

  size_t bytes() const { return bytes_; }
  // Grows the charge by `more` if that fits under the limit; false (unchanged) if not.
  bool TryGrow(size_t more);
  // Sets the charge to exactly `bytes`, unconditionally (no-op on a default-constructed charge).
  void Resize(size_t bytes);
  void Release();

 private:
  friend class MemoryBudget;
  MemoryCharge(MemoryBudget* budget, size_t bytes) : budget_(budget), bytes_(bytes) {}

  MemoryBudget* budget_ = nullptr;
  size_t bytes_ = 0;
};

// The memory the process may use: the smaller of its cgroup limit (v2 or v1) and physical
// memory.
size_t AvailableMemoryBytes();

// This process's resident set size in bytes (0 if unknown).
size_t ProcessRssBytes();

// The refusal for "the memory budget is spent": ResourceExhausted, which receivers answer with
// the retryable RESOURCE_EXHAUSTED + RetryInfo / 429 + Retry-After. `who` names the refuser.
absl::Status OverBudget(absl::string_view who);

// True for a status OverBudget made (also after it was copied or passed on), so callers can
// tell "retry when memory is free" from other ResourceExhausted refusals.
bool IsOverBudget(const absl::Status& status);

}  // namespace weir::pipeline
