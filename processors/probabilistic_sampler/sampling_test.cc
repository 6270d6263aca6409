#include "processors/probabilistic_sampler/sampling.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace weir::processors::probabilistic_sampler {
namespace {

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// Thresholds from otelcol's probabilisticsamplerprocessor tests.
TEST(Sampling, ThresholdsWithPrecision) {
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(1, 4)), "0");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.5, 4)), "8");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.25, 4)), "c");
  // 1 %: 2^56 - round(0.01 x 2^56) = fd70a3d70a3d71; small probabilities keep one digit more.
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.01, 14)), "fd70a3d70a3d71");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.01, 4)), "fd70a");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.01, 3)), "fd71");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.4, 3)), "99a");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.4, 6)), "99999a");
  EXPECT_EQ(EncodeThreshold(*ProbabilityToThreshold(0.2, 6)), "cccccd");
  EXPECT_FALSE(ProbabilityToThreshold(0, 4).ok());
  EXPECT_FALSE(ProbabilityToThreshold(1.5, 4).ok());
}

TEST(Sampling, ThresholdAndRandomnessEncodings) {
  EXPECT_EQ(*ParseThreshold("8"), uint64_t{0x80000000000000});
  EXPECT_EQ(*ParseThreshold("fd70a"), uint64_t{0xfd70a000000000});
  EXPECT_FALSE(ParseThreshold("").has_value());
  EXPECT_FALSE(ParseThreshold("123456789012345").has_value());
  EXPECT_FALSE(ParseThreshold("xyz").has_value());
  EXPECT_EQ(*ParseRandomness("FD70A3D70A3D71"), uint64_t{0xfd70a3d70a3d71});
  EXPECT_FALSE(ParseRandomness("fd70").has_value());
  EXPECT_EQ(EncodeRandomness(0xc0000000000000), "c0000000000000");
  EXPECT_DOUBLE_EQ(ThresholdToProbability(0x80000000000000), 0.5);
  EXPECT_EQ(*TraceIdRandomness(Hex("fefefefefefefefefe80000000000000")),
            uint64_t{0x80000000000000});
  EXPECT_FALSE(TraceIdRandomness(std::string(16, '\0')).has_value());
}

TEST(Sampling, TraceStateKeepsOtherFieldsAndMembers) {
  auto ts = ParseTraceState("vendor=x, ot=th:8;rv:c0000000000000;p:3 ,other=y");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts->rv, "c0000000000000");
  EXPECT_EQ(*ts->th, "8");
  ts->th = "c";
  EXPECT_EQ(FormatTraceState(*ts), "ot=rv:c0000000000000;th:c;p:3,vendor=x,other=y");
  EXPECT_FALSE(ParseTraceState("ot=garbage").ok());
  EXPECT_EQ(FormatTraceState(*ParseTraceState("")), "");
}

TEST(Sampling, HashSeedMode) {
  EXPECT_EQ(HashSeedScaledPercentage(10), 1638u);
  EXPECT_EQ(HashSeedScaledPercentage(100.0f / 3), 5461u);
  EXPECT_EQ(HashSeedScaledPercentage(1), 163u);
  EXPECT_EQ(HashSeedScaledPercentage(100), 16384u);
  // The thresholds otelcol writes in hash_seed mode.
  EXPECT_EQ(EncodeThreshold(HashSeedThreshold(HashSeedScaledPercentage(100))), "0");
  EXPECT_EQ(EncodeThreshold(HashSeedThreshold(HashSeedScaledPercentage(75))), "4");
  EXPECT_EQ(EncodeThreshold(HashSeedThreshold(HashSeedScaledPercentage(50))), "8");
  EXPECT_EQ(EncodeThreshold(HashSeedThreshold(HashSeedScaledPercentage(25))), "c");
  EXPECT_EQ(EncodeThreshold(HashSeedThreshold(HashSeedScaledPercentage(10))), "e668");
  EXPECT_EQ(EncodeThreshold(HashSeedThreshold(HashSeedScaledPercentage(100.0f / 3))), "aaac");
  // FNV-1a 32 of the seed's 4 bytes then the trace id (values computed independently from
  // otelcol's Go code).
  const std::string a = Hex("0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(HashSeedHash(0, a), 0xdf241a25u);
  EXPECT_EQ(HashSeedHash(0, a) & 0x3fff, 6693u);
  EXPECT_EQ(HashSeedHash(0, Hex("fefefefefefefefefe80000000000000")), 0xd413402bu);
  EXPECT_EQ(HashSeedHash(22, a), 0xd863b443u);
  // Randomness and threshold agree with "bucket < scaled".
  for (uint32_t h : {0xdf241a25u, 0xd413402bu, 0xd863b443u, 0u, 0xffffffffu}) {
    for (float pct : {1.0f, 10.0f, 50.0f, 99.0f}) {
      const uint32_t scaled = HashSeedScaledPercentage(pct);
      EXPECT_EQ(HashSeedRandomness(h) >= HashSeedThreshold(scaled), (h & 0x3fff) < scaled)
          << h << " " << pct;
    }
  }
}

}  // namespace
}  // namespace weir::processors::probabilistic_sampler
