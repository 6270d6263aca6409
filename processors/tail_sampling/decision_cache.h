// DecisionCache: a bounded set of trace ids whose decision was made, so spans that arrive after
// it follow their trace. When full, the id inserted longest ago is forgotten.
//
// Threading: not thread-safe; the processor guards it with its lock.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace weir::processors::tail_sampling {

// A 16-byte trace id as a hashable value. Ids of another length are zero-padded or truncated
// (receivers accept only 16-byte ids).
struct TraceKey {
  uint64_t hi = 0, lo = 0;

  static TraceKey Of(absl::string_view id) {
    char buf[16] = {};
    std::memcpy(buf, id.data(), id.size() < 16 ? id.size() : 16);
    TraceKey k;
    std::memcpy(&k.hi, buf, 8);
    std::memcpy(&k.lo, buf + 8, 8);
    return k;
  }
  // The 16 id bytes.
  void CopyTo(char out[16]) const {
    std::memcpy(out, &hi, 8);
    std::memcpy(out + 8, &lo, 8);
  }
  bool operator==(const TraceKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const TraceKey& k) {
    return H::combine(std::move(h), k.hi, k.lo);
  }
};

class DecisionCache {
 public:
  // capacity 0: the cache remembers nothing.
  explicit DecisionCache(size_t capacity) : capacity_(capacity) {}

  // The value stored with `key` (the decision time, in ns of the clock), or nullptr.
  const int64_t* Find(const TraceKey& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  void Insert(const TraceKey& key, int64_t value) {
    if (capacity_ == 0 || !map_.try_emplace(key, value).second) return;
    if (ring_.size() < capacity_) {
      ring_.push_back(key);
      return;
    }
    map_.erase(ring_[next_]);
    ring_[next_] = key;
    next_ = (next_ + 1) % capacity_;
  }
  size_t size() const { return map_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  absl::flat_hash_map<TraceKey, int64_t> map_;
  std::vector<TraceKey> ring_;  // insertion order; ring_[next_] is the oldest once full
  size_t next_ = 0;
};

}  // namespace weir::processors::tail_sampling
