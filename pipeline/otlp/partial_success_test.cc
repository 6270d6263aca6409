#include "pipeline/otlp/partial_success.h"

#include "gtest/gtest.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"

namespace weir::otlp {
namespace {

constexpr ResponseSource kSource{"exporter/test", "test/x", "localhost:1", "with a response"};

ExportResponse Rejecting(int64_t spans) {
  ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(spans);
  response.mutable_partial_success()->set_error_message("bad ids");
  return response;
}

TEST(PartialSuccess, CountsRejectedSpansInProto) {
  log::RateLimited log;
  EXPECT_EQ(ReportPartialSuccess(Rejecting(3).SerializeAsString(), ResponseEncoding::kProto, 10,
                                 kSource, log),
            3);
}

TEST(PartialSuccess, CountsRejectedSpansInJson) {
  log::RateLimited log;
  EXPECT_EQ(
      ReportPartialSuccess(ResponseToJson(Rejecting(2)), ResponseEncoding::kJson, 10, kSource, log),
      2);
}

TEST(PartialSuccess, FullSuccessAndEmptyBodiesRejectNothing) {
  log::RateLimited log;
  EXPECT_EQ(ReportPartialSuccess("", ResponseEncoding::kProto, 10, kSource, log), 0);
  EXPECT_EQ(ReportPartialSuccess("{}", ResponseEncoding::kJson, 10, kSource, log), 0);
}

TEST(PartialSuccess, UnparsableBodiesRejectNothing) {
  log::RateLimited log;
  EXPECT_EQ(ReportPartialSuccess("\xff\xff\xff", ResponseEncoding::kProto, 10, kSource, log), 0);
  EXPECT_EQ(ReportPartialSuccess("{not json", ResponseEncoding::kJson, 10, kSource, log), 0);
}

}  // namespace
}  // namespace weir::otlp
