#include "processors/filter/processor.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "processors/filter/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"

namespace weir::processors::filter {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void Put(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list, const std::string& key,
         const std::string& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// Spans named after their http.route: /health, /orders, /health, /pay; /orders has two events.
otlp::ExportRequest Request() {
  otlp::ExportRequest req;
  auto* rs = req.add_resource_spans();
  Put(rs->mutable_resource()->mutable_attributes(), "service.name", "shop");
  auto* ss = rs->add_scope_spans();
  int n = 0;
  for (const char* route : {"/health", "/orders", "/health", "/pay"}) {
    auto* span = ss->add_spans();
    span->set_trace_id(std::string(15, '\1') + static_cast<char>(++n));
    span->set_span_id(std::string(7, '\2') + static_cast<char>(n));
    span->set_name(route);
    Put(span->mutable_attributes(), "http.route", route);
    if (std::string(route) == "/orders") {
      span->add_events()->set_name("cache.miss");
      span->add_events()->set_name("exception");
    }
  }
  return req;
}

class FilterTest : public ::testing::Test {
 protected:
  std::vector<std::string> Run(const std::string& yaml, absl::Status* status = nullptr) {
    auto cfg = testing::DecodeOrFail(Factory(), yaml);
    testing::SinkConsumer sink;
    Processor p(env_.SettingsFor("filter"), static_cast<const Config&>(*cfg), sink);
    absl::Status s = p.ConsumeTraces(pipeline::TraceBatch::FromRequest(Request()));
    if (status != nullptr) *status = s;
    std::vector<std::string> out;
    const otlp::ExportRequest got = sink.Merged().ToRequest();
    for (const auto& rs : got.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) {
          std::string name = span.name();
          for (const auto& ev : span.events()) name += "+" + ev.name();
          out.push_back(name);
        }
    return out;
  }
  std::string Problems(const std::string& yaml) {
    config::Diagnostics d;
    DecodeConfig(config::Node(YAML::Load(yaml), "processors.filter", &d));
    return d.ToString();
  }
  testing::TestEnvironment env_;
};

TEST_F(FilterTest, Conformance) {
  testing::RunProcessorConformance(Factory(), "traces: {span: ['name == \"x\"']}");
}

TEST_F(FilterTest, DropsSpansWhereAnyConditionHolds) {
  EXPECT_THAT(Run(R"(traces: {span: ['attributes["http.route"] == "/health"']})"),
              ElementsAre("/orders+cache.miss+exception", "/pay"));
  EXPECT_EQ(env_.telemetry.Sum("otelcol_processor_filter_spans_filtered"), 2);
  EXPECT_THAT(Run(R"(traces: {span: ['name == "/pay"', 'IsMatch(name, "^/he")']})"),
              ElementsAre("/orders+cache.miss+exception"));
}

TEST_F(FilterTest, DropsEventsOfKeptSpans) {
  EXPECT_THAT(Run(R"(traces: {spanevent: ['name == "cache.miss"']})"),
              ElementsAre("/health", "/orders+exception", "/health", "/pay"));
  EXPECT_EQ(env_.telemetry.Sum("weir_processor_filter_span_events_filtered"), 1);
  EXPECT_THAT(Run(R"(traces: {spanevent: ['span.name == "/orders"']})"),
              ElementsAre("/health", "/orders", "/health", "/pay"));
}

TEST_F(FilterTest, AllDroppedIsAnsweredOk) {
  absl::Status s;
  EXPECT_TRUE(Run("traces: {span: ['true']}", &s).empty());
  EXPECT_TRUE(s.ok());
}

TEST_F(FilterTest, ErrorModes) {
  const std::string failing = R"(traces: {span: ['Substring(name, 0, 6) == "/healt"']})";
  // "/pay" is too short: the condition fails for it.
  absl::Status s;
  EXPECT_THAT(Run(failing, &s), ElementsAre("/orders+cache.miss+exception", "/pay"));
  EXPECT_TRUE(s.ok());
  EXPECT_THAT(Run("error_mode: silent\n" + failing, &s),
              ElementsAre("/orders+cache.miss+exception", "/pay"));
  EXPECT_TRUE(Run("error_mode: propagate\n" + failing, &s).empty());
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("outside a string"));
}

TEST_F(FilterTest, LegacyIncludeExclude) {
  EXPECT_THAT(Run("spans: {exclude: {match_type: strict, span_names: [/health]}}"),
              ElementsAre("/orders+cache.miss+exception", "/pay"));
  EXPECT_THAT(Run("spans: {include: {match_type: regexp, span_names: ['^/p']}}"),
              ElementsAre("/pay"));
}

TEST_F(FilterTest, ConfigErrorsNameTheConditionAndColumn) {
  EXPECT_THAT(Problems(R"(traces: {span: ['name == "a"', 'nme == "b"']})"),
              HasSubstr("processors.filter.traces.span: [1]: unknown path \"nme\" in the span "
                        "context at column 1"));
  EXPECT_THAT(Problems(R"(traces: {spanevent: ['kind == 1']})"),
              HasSubstr("unknown path \"kind\""));
  EXPECT_THAT(Problems("error_mode: loud"),
              HasSubstr("error_mode: must be ignore, silent or propagate"));
  EXPECT_THAT(Problems(R"(traces: {resource: ['true']})"), HasSubstr("not supported yet"));
  EXPECT_THAT(Problems(R"(traces: {span: ['true']}
spans: {exclude: {match_type: strict, span_names: [x]}})"),
              HasSubstr("cannot use ottl conditions and include/exclude"));
  EXPECT_THAT(Problems(R"(traces: {spans: ['true']})"), HasSubstr("spans"));
}

}  // namespace
}  // namespace weir::processors::filter
