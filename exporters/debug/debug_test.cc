#include "exporters/debug/factory.h"
#include "exporters/debug/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/conformance.h"
#include "tests/testing/span_generator.h"

namespace weir::exporters::debug {
namespace {

using ::testing::HasSubstr;

TEST(DebugFormat, Basic) {
  EXPECT_EQ(FormatBatch(testing::MakeBatch(3), Verbosity::kBasic),
            "Traces: resource spans: 1, spans: 3\n");
}

TEST(DebugFormat, NormalHasALinePerSpan) {
  std::string text = FormatBatch(testing::MakeBatch(2), Verbosity::kNormal);
  EXPECT_THAT(text, HasSubstr("ResourceSpans #0 service.name=service-1-0"));
  EXPECT_THAT(text, HasSubstr("GET /api/v1/items/"));
  EXPECT_THAT(text, HasSubstr("trace_id="));
}

TEST(DebugFormat, DetailedShowsEveryValueType) {
  std::string text = FormatBatch(testing::MakeBatch(1), Verbosity::kDetailed);
  EXPECT_THAT(text, HasSubstr("-> http.method: GET"));
  EXPECT_THAT(text, HasSubstr("-> sampled: "));
  EXPECT_THAT(text, HasSubstr("-> tags: [a, 7, true]"));
  EXPECT_THAT(text, HasSubstr("-> nested: {level:1.5, list:[x]}"));
  EXPECT_THAT(text, HasSubstr("-> payload: 0001feff"));
  EXPECT_THAT(text, HasSubstr("SpanEvent #0"));
  EXPECT_THAT(text, HasSubstr("SpanLink #0"));
}

TEST(DebugExporter, ConfigValidation) {
  config::Diagnostics d;
  Factory().DecodeConfig(
      config::Node(YAML::Load("verbosity: loud\nsampling_thereafter: 0"), "exporters.debug", &d));
  ASSERT_EQ(d.problems().size(), 2u);
  EXPECT_EQ(d.problems()[0].path, "exporters.debug.verbosity");
  EXPECT_EQ(d.problems()[1].path, "exporters.debug.sampling_thereafter");
}

TEST(DebugExporter, Conformance) { testing::RunExporterConformance(Factory(), "verbosity: basic"); }

}  // namespace
}  // namespace weir::exporters::debug
