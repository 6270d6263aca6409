#include "exporters/nop/factory.h"
#include "gtest/gtest.h"
#include "tests/testing/conformance.h"

namespace weir::exporters::nop {

TEST(NopExporter, Conformance) { testing::RunExporterConformance(Factory(), ""); }

TEST(NopExporter, RejectsUnknownKeys) {
  config::Diagnostics d;
  Factory().DecodeConfig(config::Node(YAML::Load("color: blue"), "exporters.nop", &d));
  ASSERT_EQ(d.problems().size(), 1u);
  EXPECT_EQ(d.problems()[0].path, "exporters.nop.color");
}

}  // namespace weir::exporters::nop
