#include "pipeline/memory_budget.h"

#include "absl/strings/str_cat.h"

namespace weir::pipeline {

MemoryBudget& MemoryBudget::Process() {
  static MemoryBudget* budget = new MemoryBudget();  // never destroyed: charges outlive main
  return *budget;
}

bool MemoryBudget::HasRoom(size_t bytes) const {
  size_t u = used();
  size_t l = limit();
  return u <= l && bytes <= l - u;
}

void MemoryBudget::Add(size_t bytes) {
  size_t now = used_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

bool MemoryBudget::TryAdd(size_t bytes) {
  size_t l = limit();
  size_t u = used_.load(std::memory_order_relaxed);
  do {
    if (u > l || bytes > l - u) return false;
  } while (!used_.compare_exchange_weak(u, u + bytes, std::memory_order_relaxed));
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (u + bytes > peak &&
         !peak_.compare_exchange_weak(peak, u + bytes, std::memory_order_relaxed)) {
  }
  return true;
}

MemoryCharge MemoryBudget::Charge(size_t bytes) {
  Add(bytes);
  return MemoryCharge(this, bytes);
}

std::optional<MemoryCharge> MemoryBudget::TryCharge(size_t bytes) {
  if (!TryAdd(bytes)) return std::nullopt;
  return MemoryCharge(this, bytes);
}

bool MemoryCharge::TryGrow(size_t more) {
  if (budget_ == nullptr) return false;
  if (!budget_->TryAdd(more)) return false;
  bytes_ += more;
  return true;
}

void MemoryCharge::Resize(size_t bytes) {
  if (budget_ == nullptr) return;  // a default-constructed charge accounts nothing
  if (bytes > bytes_) budget_->Add(bytes - bytes_);
  if (bytes < bytes_) budget_->Sub(bytes_ - bytes);
  bytes_ = bytes;
}

void MemoryCharge::Release() {
  if (budget_ != nullptr && bytes_ > 0) budget_->Sub(bytes_);
  bytes_ = 0;
}

absl::Status OverBudget(absl::string_view who) {
  return absl::ResourceExhaustedError(
      absl::StrCat(who, ": memory limit reached (service.memory_limit_mib); retry later"));
}

}  // namespace weir::pipeline
