#include "pipeline/otlp/value_string.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace weir::otlp {
namespace {

TEST(Value, DoublesAsEcmaScriptPrintsThem) {
  EXPECT_EQ(FormatDouble(0), "0");
  EXPECT_EQ(FormatDouble(1), "1");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(123456789.125), "123456789.125");
  EXPECT_EQ(FormatDouble(0.000001), "0.000001");
  EXPECT_EQ(FormatDouble(1e-7), "1e-7");
  EXPECT_EQ(FormatDouble(1e20), "100000000000000000000");
  EXPECT_EQ(FormatDouble(1e21), "1e+21");
  EXPECT_EQ(FormatDouble(1.5e300), "1.5e+300");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatDouble(std::nan("")), "NaN");
}

TEST(Value, EveryTypeAsText) {
  otlp::AnyValue v;
  EXPECT_EQ(AsString(v), "");
  v.set_string_value("a b");
  EXPECT_EQ(AsString(v), "a b");
  v.set_bool_value(true);
  EXPECT_EQ(AsString(v), "true");
  v.set_int_value(-42);
  EXPECT_EQ(AsString(v), "-42");
  v.set_double_value(3.25);
  EXPECT_EQ(AsString(v), "3.25");
  v.set_bytes_value("hi");
  EXPECT_EQ(AsString(v), "aGk=");

  otlp::AnyValue list;
  list.mutable_array_value()->add_values()->set_string_value("x\"y");
  list.mutable_array_value()->add_values()->set_int_value(7);
  list.mutable_array_value()->add_values();
  EXPECT_EQ(AsString(list), R"(["x\"y",7,null])");

  otlp::AnyValue map;
  auto* kv = map.mutable_kvlist_value()->add_values();
  kv->set_key("z");
  kv->mutable_value()->set_bool_value(false);
  kv = map.mutable_kvlist_value()->add_values();
  kv->set_key("a");
  *kv->mutable_value() = list;
  EXPECT_EQ(AsString(map), R"({"a":["x\"y",7,null],"z":false})");
}

}  // namespace
}  // namespace weir::otlp
