#include "pipeline/sampling_control.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/telemetry/logger.h"

namespace weir::pipeline {

namespace {

std::string Describe(const SamplingControl::Boost& b) {
  std::string what = absl::StrCat(b.percentage, "% of ");
  if (b.service.empty() && b.attribute_key.empty()) {
    absl::StrAppend(&what, "all traces");
  } else {
    absl::StrAppend(&what, "traces with");
    if (!b.service.empty()) absl::StrAppend(&what, " service.name=", b.service);
    if (!b.attribute_key.empty())
      absl::StrAppend(&what, " ", b.attribute_key, "=", b.attribute_value);
  }
  return what;
}

void LogEnded(const SamplingControl::Boost& b) {
  log::Info("sampling", "boost %d ended: it kept %s", b.id, Describe(b));
}

}  // namespace

SamplingControl& SamplingControl::Process() {
  static SamplingControl* control = new SamplingControl();
  return *control;
}

SamplingControl::Key SamplingControl::KeyOf(absl::string_view trace_id) {
  char buf[16] = {};
  std::memcpy(buf, trace_id.data(), std::min<size_t>(trace_id.size(), 16));
  Key k;
  std::memcpy(&k.hi, buf, 8);
  std::memcpy(&k.lo, buf + 8, 8);
  return k;
}

std::optional<SamplingControl::Boost> SamplingControl::AddBoost(Boost boost) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = absl::Now();
  boosts_.erase(std::remove_if(boosts_.begin(), boosts_.end(),
                               [&](const Boost& b) {
                                 if (b.ends > now) return false;
                                 LogEnded(b);
                                 return true;
                               }),
                boosts_.end());
  if (boosts_.size() >= kMaxBoosts) return std::nullopt;
  boost.id = next_id_++;
  boost.starts = absl::Now();
  boosts_.push_back(boost);
  ++generation_;
  log::Info("sampling", "boost %d started: keep %s until %s", boost.id, Describe(boost),
            absl::FormatTime(absl::RFC3339_sec, boost.ends, absl::UTCTimeZone()));
  return boost;
}

bool SamplingControl::RemoveBoost(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = boosts_.begin(); it != boosts_.end(); ++it) {
    if (it->id != id) continue;
    it->ends = absl::Now();
    LogEnded(*it);
    boosts_.erase(it);
    ++generation_;
    return true;
  }
  return false;
}

std::vector<SamplingControl::Boost> SamplingControl::ActiveBoosts(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = boosts_.begin(); it != boosts_.end();) {
    if (it->ends <= now) {
      LogEnded(*it);
      it = boosts_.erase(it);
      ++generation_;
    } else {
      ++it;
    }
  }
  return boosts_;
}

uint64_t SamplingControl::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void SamplingControl::Record(absl::string_view trace_id, Explanation e) {
  const Key key = KeyOf(trace_id);
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Explanation>& list = explanations_[key];
  list.push_back(std::move(e));
  order_.push_back(key);
  while (order_.size() > kExplanations) {
    auto it = explanations_.find(order_.front());
    order_.pop_front();
    if (it == explanations_.end()) continue;
    it->second.erase(it->second.begin());
    if (it->second.empty()) explanations_.erase(it);
  }
}

std::vector<SamplingControl::Explanation> SamplingControl::Explain(
    absl::string_view trace_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = explanations_.find(KeyOf(trace_id));
  if (it == explanations_.end()) return {};
  return it->second;
}

void SamplingControl::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  boosts_.clear();
  explanations_.clear();
  order_.clear();
  ++generation_;
}

}  // namespace weir::pipeline
