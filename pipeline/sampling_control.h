// SamplingControl: what an operator tells the samplers while weir runs, and what the samplers
// tell the operator back.
//   - Boosts: time-boxed overrides ("keep 100 % of the checkout service's traces for 15
//     minutes") that end by themselves. The tail_sampling processor keeps a trace a boost
//     matches (drop policies still win).
//   - Explanations: for the traces decided most recently (a bounded table), each policy's vote
//     and the decision, so "why is this trace missing?" has an answer.
// It is process-wide, so boosts and explanations outlive a config reload. The admin extension
// (extensions/weir_admin) serves it over HTTP.
//
// Threading: every method is safe from any thread (one mutex).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace weir::pipeline {

class SamplingControl {
 public:
  struct Boost {
    uint64_t id = 0;
    double percentage = 100;      // of the matching traces, by trace id
    std::string service;          // only traces with a span of this service.name ("" any)
    std::string attribute_key;    // only traces with this string attribute value ("" any)
    std::string attribute_value;  //   (span or resource attribute)
    absl::Time starts, ends;
  };

  // One decision as the sampler made it.
  struct Explanation {
    std::string processor;
    absl::Time decided_at;
    bool sampled = false;
    bool early = false;  // decided before its time (num_traces / max_buffered_bytes reached)
    uint64_t boost = 0;  // the boost that kept it, or 0
    size_t spans = 0;
    // The policies in evaluation order and their votes ("sampled", "not_sampled", "dropped");
    // policies after a final vote were not asked.
    std::shared_ptr<const std::vector<std::string>> policies;
    static constexpr size_t kMaxVotes = 32;
    std::array<uint8_t, kMaxVotes> votes{};  // 0 not sampled, 1 sampled, 2 dropped
    uint8_t vote_count = 0;                  // policies asked (at most kMaxVotes recorded)
  };

  static constexpr size_t kExplanations = 20000;
  // Boosts in force at once; AddBoost refuses more (each decision checks every boost).
  static constexpr size_t kMaxBoosts = 64;

  static SamplingControl& Process();

  // Adds a boost (its id and start are set here) and logs it. Returns it, or nullopt when
  // kMaxBoosts are in force already.
  std::optional<Boost> AddBoost(Boost boost);
  // Ends a boost early; false when there is none with that id.
  bool RemoveBoost(uint64_t id);
  // The boosts in force at `now`; ended ones are dropped and their end logged.
  std::vector<Boost> ActiveBoosts(absl::Time now);
  // Changes whenever the set of boosts changes, so callers can cache ActiveBoosts.
  uint64_t generation() const;

  // Records the decision for `trace_id` (16 bytes), replacing the oldest when full.
  void Record(absl::string_view trace_id, Explanation e);
  // The recorded decisions for `trace_id`, oldest first (one per sampler that decided it).
  std::vector<Explanation> Explain(absl::string_view trace_id) const;

  // For tests: forgets every boost and explanation.
  void Reset();

 private:
  mutable std::mutex mu_;
  std::vector<Boost> boosts_;
  uint64_t next_id_ = 1;
  uint64_t generation_ = 1;
  struct Key {
    uint64_t hi, lo;
    bool operator==(const Key&) const = default;
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.hi, k.lo);
    }
  };
  static Key KeyOf(absl::string_view trace_id);
  absl::flat_hash_map<Key, std::vector<Explanation>> explanations_;
  std::deque<Key> order_;  // recording order, for eviction
};

}  // namespace weir::pipeline
