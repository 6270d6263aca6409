#include "processors/probabilistic_sampler/sampling.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace weir::processors::probabilistic_sampler {

namespace {

constexpr int kHexDigits = 14;
constexpr int kHexBits = 4;

std::optional<uint64_t> ParseHex(absl::string_view text) {
  if (text.empty() || text.size() > kHexDigits) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

std::string Hex14(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%014llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

absl::StatusOr<uint64_t> ProbabilityToThreshold(double probability, int precision) {
  if (!(probability >= std::ldexp(1.0, -56)) || probability > 1) {
    return absl::InvalidArgumentError("sampling probability out of range");
  }
  if (probability == 1) return 0;
  // More digits when the probability (or its complement) is small, so the encoding keeps
  // `precision` significant digits of it. Go's integer division truncates toward zero, as
  // C++'s does.
  int exp_f = 0, exp_r = 0;
  std::frexp(probability, &exp_f);
  std::frexp(1 - probability, &exp_r);
  precision =
      std::min(kHexDigits, std::max(precision + exp_f / -kHexBits, precision + exp_r / -kHexBits));
  const uint64_t scaled =
      static_cast<uint64_t>(std::round(probability * static_cast<double>(kMaxAdjustedCount)));
  uint64_t threshold = kMaxAdjustedCount - scaled;
  if (const int shift = kHexBits * (kHexDigits - precision); shift != 0) {
    const uint64_t half = uint64_t{1} << (shift - 1);
    threshold += half;
    threshold >>= shift;
    threshold <<= shift;
  }
  return threshold;
}

double ThresholdToProbability(uint64_t threshold) {
  return static_cast<double>(kMaxAdjustedCount - threshold) /
         static_cast<double>(kMaxAdjustedCount);
}

std::string EncodeThreshold(uint64_t threshold) {
  if (threshold == 0) return "0";
  std::string s = Hex14(threshold);
  while (s.size() > 1 && s.back() == '0') s.pop_back();
  return s;
}

std::optional<uint64_t> ParseThreshold(absl::string_view text) {
  std::optional<uint64_t> v = ParseHex(text);
  if (!v) return std::nullopt;
  return *v << (kHexBits * (kHexDigits - static_cast<int>(text.size())));
}

std::optional<uint64_t> ParseRandomness(absl::string_view text) {
  if (text.size() != kHexDigits) return std::nullopt;
  return ParseHex(text);
}

std::string EncodeRandomness(uint64_t randomness) { return Hex14(randomness); }

std::optional<uint64_t> TraceIdRandomness(absl::string_view trace_id) {
  if (trace_id.size() != 16 ||
      std::all_of(trace_id.begin(), trace_id.end(), [](char c) { return c == 0; })) {
    return std::nullopt;
  }
  uint64_t r = 0;
  for (int i = 9; i < 16; ++i) r = (r << 8) | static_cast<unsigned char>(trace_id[i]);
  return r;
}

absl::StatusOr<OtTraceState> ParseTraceState(absl::string_view tracestate) {
  OtTraceState out;
  for (absl::string_view member : absl::StrSplit(tracestate, ',', absl::SkipWhitespace())) {
    member = absl::StripAsciiWhitespace(member);
    if (member.empty()) continue;
    if (!absl::StartsWith(member, "ot=")) {
      out.others.emplace_back(member);
      continue;
    }
    absl::string_view value = member.substr(3);
    if (value.size() > 256) return absl::InvalidArgumentError("tracestate ot value too long");
    for (absl::string_view field : absl::StrSplit(value, ';', absl::SkipEmpty())) {
      size_t colon = field.find(':');
      if (colon == absl::string_view::npos || colon == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed tracestate ot field \"", field, "\""));
      }
      absl::string_view key = field.substr(0, colon), v = field.substr(colon + 1);
      if (key == "rv") {
        out.rv = std::string(v);
      } else if (key == "th") {
        out.th = std::string(v);
      } else {
        out.other_ot.emplace_back(field);
      }
    }
  }
  return out;
}

std::string FormatTraceState(const OtTraceState& state) {
  std::vector<std::string> ot;
  if (state.rv) ot.push_back(absl::StrCat("rv:", *state.rv));
  if (state.th) ot.push_back(absl::StrCat("th:", *state.th));
  for (const std::string& f : state.other_ot) ot.push_back(f);
  std::vector<std::string> members;
  if (!ot.empty()) members.push_back(absl::StrCat("ot=", absl::StrJoin(ot, ";")));
  for (const std::string& m : state.others) members.push_back(m);
  return absl::StrJoin(members, ",");
}

uint32_t HashSeedHash(uint32_t seed, absl::string_view trace_id) {
  uint32_t h = 0x811c9dc5u;
  auto mix = [&h](unsigned char b) {
    h ^= b;
    h *= 0x01000193u;
  };
  for (int i = 0; i < 4; ++i) mix(static_cast<unsigned char>(seed >> (8 * i)));
  for (unsigned char b : trace_id) mix(b);
  return h;
}

uint32_t HashSeedScaledPercentage(float percentage) {
  const float scaled = percentage * 163.84f;
  if (!(scaled > 0)) return 0;
  return scaled >= 16384.0f ? 16384u : static_cast<uint32_t>(scaled);
}

uint64_t HashSeedThreshold(uint32_t scaled) {
  return static_cast<uint64_t>(16384u - std::min(scaled, 16384u)) << 42;
}

uint64_t HashSeedRandomness(uint32_t hash) {
  const uint64_t bucket = hash & 0x3fff;
  const uint64_t x = hash >> 18;
  const uint64_t mix = (x ^ (x << 10)) & ((uint64_t{1} << 28) - 1);
  return ((16383 - bucket) << 42) | (mix << 14) | bucket;
}

}  // namespace weir::processors::probabilistic_sampler
