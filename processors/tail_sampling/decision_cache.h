// DecisionCache: the trace ids decided recently and how, so spans that arrive after their
// trace's decision follow it. Sampled and not-sampled ids have their own capacity
// (decision_cache.sampled_cache_size / non_sampled_cache_size); when one side is full, the id
// of that side inserted longest ago is forgotten. One table answers both, so a span costs one
// lookup.
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
  bool operator==(const TraceKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const TraceKey& k) {
    return H::combine(std::move(h), k.hi, k.lo);
  }
};

class DecisionCache {
 public:
  struct Entry {
    int64_t decided_ns;  // when, on the processor's clock
    bool sampled;
  };

  // A capacity of 0 remembers nothing of that side.
  DecisionCache(size_t sampled_capacity, size_t not_sampled_capacity)
      : rings_{Ring{not_sampled_capacity, {}, 0}, Ring{sampled_capacity, {}, 0}} {}

  const Entry* Find(const TraceKey& key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  void Insert(const TraceKey& key, bool sampled, int64_t decided_ns) {
    Ring& ring = rings_[sampled ? 1 : 0];
    if (ring.capacity == 0 || !map_.try_emplace(key, Entry{decided_ns, sampled}).second) return;
    if (ring.keys.size() < ring.capacity) {
      ring.keys.push_back(key);
      return;
    }
    map_.erase(ring.keys[ring.next]);
    ring.keys[ring.next] = key;
    ring.next = (ring.next + 1) % ring.capacity;
  }
  size_t size() const { return map_.size(); }

 private:
  struct Ring {
    size_t capacity;
    std::vector<TraceKey> keys;  // insertion order; keys[next] is the oldest once full
    size_t next = 0;
  };
  absl::flat_hash_map<TraceKey, Entry> map_;
  Ring rings_[2];  // [0] not sampled, [1] sampled
};

}  // namespace weir::processors::tail_sampling
