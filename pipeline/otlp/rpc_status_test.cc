#include "pipeline/otlp/rpc_status.h"

#include <string>

#include "gtest/gtest.h"

namespace weir::otlp {
namespace {

TEST(RpcStatus, DecodesWhatIsEncoded) {
  std::optional<RpcStatus> s = DecodeRpcStatusProto(EncodeRpcStatusProto(kRpcUnavailable, "busy"));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->code, kRpcUnavailable);
  EXPECT_EQ(s->message, "busy");
  EXPECT_EQ(s->retry_delay, std::nullopt);
}

TEST(RpcStatus, DecodesTheRetryInfoDelay) {
  std::optional<RpcStatus> s = DecodeRpcStatusProto(
      EncodeRpcStatusProto(kRpcResourceExhausted, "slow down", absl::Milliseconds(2500)));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->code, kRpcResourceExhausted);
  EXPECT_EQ(s->retry_delay, absl::Milliseconds(2500));
  s = DecodeRpcStatusProto(EncodeRpcStatusProto(kRpcUnavailable, "", absl::ZeroDuration()));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->retry_delay, absl::ZeroDuration());
}

TEST(RpcStatus, SkipsOtherDetailsAndUnknownFields) {
  // details[0] = Any{type_url: "type.googleapis.com/google.rpc.DebugInfo", value: "x"}, then
  // an unknown varint field 9, then the RetryInfo of a second status.
  std::string debug_any = std::string("\x0a\x28", 2) + "type.googleapis.com/google.rpc.DebugInfo" +
                          std::string("\x12\x01x", 3);
  std::string bytes = std::string("\x08\x0e", 2) + "\x1a" + static_cast<char>(debug_any.size()) +
                      debug_any + std::string("\x48\x01", 2);
  std::string with_retry = EncodeRpcStatusProto(0, "", absl::Seconds(3));
  bytes += with_retry;  // a repeated field: the details append
  std::optional<RpcStatus> s = DecodeRpcStatusProto(bytes);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->code, kRpcUnavailable);
  EXPECT_EQ(s->retry_delay, absl::Seconds(3));
}

TEST(RpcStatus, RefusesWhatIsNotAStatus) {
  EXPECT_EQ(DecodeRpcStatusProto("\x0a\x05ab"), std::nullopt);  // truncated
  EXPECT_EQ(DecodeRpcStatusProto("not a status"), std::nullopt);
  EXPECT_TRUE(DecodeRpcStatusProto("").has_value());  // every field is optional
}

}  // namespace
}  // namespace weir::otlp
