#include "pipeline/memory_budget.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace weir::pipeline {
namespace {

// A cgroup limit file's value; 0 when absent or unlimited ("max", or v1's huge sentinel).
size_t ReadLimitFile(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return 0;
  uint64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) return 0;
  if (value >= (uint64_t{1} << 60)) return 0;
  return static_cast<size_t>(value);
}

}  // namespace

size_t AvailableMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  size_t physical = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page)
                                          : size_t{4} << 30;
  size_t limit = physical;
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    size_t cgroup = ReadLimitFile(path);
    if (cgroup > 0) limit = std::min(limit, cgroup);
  }
  return limit;
}

size_t ProcessRssBytes() {
  // /proc/self/statm: size resident shared text lib data dt, in pages.
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  static const long page = sysconf(_SC_PAGESIZE);
  return static_cast<size_t>(resident) * static_cast<size_t>(page);
}

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

namespace {
constexpr char kOverBudgetPayload[] = "weir/over-budget";
}  // namespace

absl::Status OverBudget(absl::string_view who) {
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(who, ": memory limit reached (service.memory_limit_mib); retry later"));
  status.SetPayload(kOverBudgetPayload, absl::Cord());
  return status;
}

bool IsOverBudget(const absl::Status& status) {
  return absl::IsResourceExhausted(status) && status.GetPayload(kOverBudgetPayload).has_value();
}

}  // namespace weir::pipeline
