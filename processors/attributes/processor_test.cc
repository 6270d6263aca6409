#include "processors/attributes/processor.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/transform/hash.h"
#include "processors/attributes/factory.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::processors::attributes {
namespace {

using ::testing::HasSubstr;

void Put(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list, const std::string& key,
         const std::string& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// Two spans of service "shop" (server "GET /a", client "db query"), one of "batch".
otlp::ExportRequest Request() {
  otlp::ExportRequest req;
  for (const char* service : {"shop", "batch"}) {
    auto* rs = req.add_resource_spans();
    Put(rs->mutable_resource()->mutable_attributes(), "service.name", service);
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("io.opentelemetry.http");
    ss->mutable_scope()->set_version("1.2.0");
    for (int i = 0; i < (std::string(service) == "shop" ? 2 : 1); ++i) {
      auto* span = ss->add_spans();
      span->set_trace_id(std::string(15, '\1') + static_cast<char>(i + 1));
      span->set_span_id(std::string(7, '\2') + static_cast<char>(i + 1));
      span->set_name(i == 0 ? "GET /a" : "db query");
      span->set_kind(i == 0 ? opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER
                            : opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
      Put(span->mutable_attributes(), "http.url", "https://x.example/a?user=42&id=7");
      Put(span->mutable_attributes(), "user.email", "ann@example.com");
      auto* n = span->add_attributes();
      n->set_key("retries");
      n->mutable_value()->set_int_value(3);
      Put(span->mutable_attributes(), "ratio", "0.25");
      auto* ev = span->add_events();
      ev->set_name("e");
    }
  }
  return req;
}

class AttributesTest : public ::testing::Test {
 protected:
  otlp::ExportRequest Run(
      const std::string& yaml, const otlp::ExportRequest& req,
      const pipeline::RequestContext& context = pipeline::RequestContext::Empty()) {
    auto cfg = testing::DecodeOrFail(Factory(), yaml);
    testing::SinkConsumer sink;
    Processor p(env_.SettingsFor("attributes"), static_cast<const Config&>(*cfg), sink);
    EXPECT_TRUE(p.ConsumeTraces(context, pipeline::TraceBatch::FromRequest(req)).ok());
    return sink.Merged().ToRequest();
  }
  static std::map<std::string, otlp::AnyValue> Attrs(const otlp::Span& span) {
    std::map<std::string, otlp::AnyValue> out;
    for (const auto& kv : span.attributes()) out[kv.key()] = kv.value();
    return out;
  }
  static const otlp::Span& SpanOf(const otlp::ExportRequest& r, int resource, int span) {
    return r.resource_spans(resource).scope_spans(0).spans(span);
  }
  std::string Problems(const std::string& yaml) {
    config::Diagnostics d;
    DecodeConfig(config::Node(YAML::Load(yaml), "processors.attributes", &d));
    return d.ToString();
  }
  testing::TestEnvironment env_;
};

TEST_F(AttributesTest, Conformance) {
  testing::RunProcessorConformance(Factory(), "actions: [{key: a, value: b, action: upsert}]");
}

TEST_F(AttributesTest, InsertUpdateUpsertWithEveryValueType) {
  otlp::ExportRequest got = Run(R"(
actions:
  - {key: env, value: prod, action: insert}
  - {key: user.email, value: nobody, action: insert}     # exists: insert leaves it
  - {key: retries, value: 5, action: update}
  - {key: missing, value: x, action: update}              # absent: update does nothing
  - {key: ratio, value: 0.5, action: upsert}
  - {key: flag, value: true, action: upsert}
  - {key: quoted, value: "42", action: upsert}
  - {key: list, value: [1, two], action: upsert}
  - {key: copy, from_attribute: http.url, action: insert}
  - {key: nothing, from_attribute: absent, action: insert}
  - {key: fallback, from_attribute: absent, default_value: none, action: insert}
)",
                                Request());
  auto a = Attrs(SpanOf(got, 0, 0));
  EXPECT_EQ(a["env"].string_value(), "prod");
  EXPECT_EQ(a["user.email"].string_value(), "ann@example.com");
  EXPECT_EQ(a["retries"].int_value(), 5);
  EXPECT_EQ(a.count("missing"), 0u);
  EXPECT_EQ(a["ratio"].double_value(), 0.5);
  EXPECT_TRUE(a["flag"].bool_value());
  EXPECT_EQ(a["quoted"].string_value(), "42");
  ASSERT_EQ(a["list"].array_value().values_size(), 2);
  EXPECT_EQ(a["list"].array_value().values(0).int_value(), 1);
  EXPECT_EQ(a["list"].array_value().values(1).string_value(), "two");
  EXPECT_EQ(a["copy"].string_value(), "https://x.example/a?user=42&id=7");
  EXPECT_EQ(a.count("nothing"), 0u);
  EXPECT_EQ(a["fallback"].string_value(), "none");
}

TEST_F(AttributesTest, DeleteHashExtractConvert) {
  otlp::ExportRequest got = Run(R"y(
actions:
  - {key: user.email, action: hash}
  - {pattern: "^rat", action: delete}
  - {key: http.url, pattern: "^(?P<scheme>[a-z]+)://(?P<host>[^/]+)(?P<path>/[^?]*)", action: extract}
  - {key: retries, converted_type: string, action: convert}
)y",
                                Request());
  auto a = Attrs(SpanOf(got, 0, 0));
  EXPECT_EQ(a["user.email"].string_value(),
            pipeline::transform::HexDigest(pipeline::transform::HashFunction::kSha256,
                                           "ann@example.com"));
  EXPECT_EQ(a.count("ratio"), 0u);
  EXPECT_EQ(a["scheme"].string_value(), "https");
  EXPECT_EQ(a["host"].string_value(), "x.example");
  EXPECT_EQ(a["path"].string_value(), "/a");
  EXPECT_EQ(a["http.url"].string_value(), "https://x.example/a?user=42&id=7");  // stays
  EXPECT_EQ(a["retries"].string_value(), "3");
}

TEST_F(AttributesTest, HashOfOtherTypesAsOtelcol) {
  otlp::ExportRequest got = Run("actions: [{key: retries, action: hash}]", Request());
  // SHA-256 of the int's 8 little-endian bytes.
  const std::string three("\3\0\0\0\0\0\0\0", 8);
  EXPECT_EQ(Attrs(SpanOf(got, 0, 0))["retries"].string_value(),
            pipeline::transform::HexDigest(pipeline::transform::HashFunction::kSha256, three));
}

TEST_F(AttributesTest, ConvertsAndLeavesWhatDoesNotParse) {
  otlp::ExportRequest got = Run(R"(
actions:
  - {key: ratio, converted_type: double, action: convert}
  - {key: user.email, converted_type: int, action: convert}
  - {key: retries, converted_type: double, action: convert}
)",
                                Request());
  auto a = Attrs(SpanOf(got, 0, 0));
  EXPECT_EQ(a["ratio"].double_value(), 0.25);
  EXPECT_EQ(a["user.email"].string_value(), "ann@example.com");
  EXPECT_EQ(a["retries"].double_value(), 3.0);
}

TEST_F(AttributesTest, FromContextReadsTheRequestsMetadataAndAddress) {
  pipeline::RequestContext context;
  context.client_address = "10.1.2.3:5555";
  context.AddMetadata("X-Tenant", "acme");
  context.AddMetadata("x-tenant", "beta");
  otlp::ExportRequest got = Run(R"(
actions:
  - {key: tenant, from_context: metadata.x-tenant, action: upsert}
  - {key: tenant.bare, from_context: X-Tenant, action: insert}
  - {key: client.address, from_context: client.address, action: insert}
  - {key: none, from_context: metadata.absent, action: insert}
)",
                                Request(), context);
  auto a = Attrs(SpanOf(got, 1, 0));
  EXPECT_EQ(a["tenant"].string_value(), "acme;beta");
  EXPECT_EQ(a["tenant.bare"].string_value(), "acme;beta");
  EXPECT_EQ(a["client.address"].string_value(), "10.1.2.3");
  EXPECT_EQ(a.count("none"), 0u);
}

TEST_F(AttributesTest, IncludeAndExcludeSelectSpans) {
  auto marked = [&](const std::string& match) {
    otlp::ExportRequest got =
        Run("actions: [{key: hit, value: 1, action: insert}]\n" + match, Request());
    std::string out;
    for (int r = 0; r < 2; ++r)
      for (const auto& span : got.resource_spans(r).scope_spans(0).spans())
        out += Attrs(span).count("hit") ? "1" : "0";
    return out;
  };
  EXPECT_EQ(marked(""), "111");
  EXPECT_EQ(marked("include: {match_type: strict, services: [shop]}"), "110");
  EXPECT_EQ(marked("exclude: {match_type: strict, services: [shop]}"), "001");
  EXPECT_EQ(marked("include: {match_type: regexp, span_names: ['^GET ']}"), "101");
  EXPECT_EQ(marked("include: {match_type: strict, span_kinds: [SPAN_KIND_CLIENT]}"), "010");
  EXPECT_EQ(marked("include: {match_type: strict, attributes: [{key: retries, value: 3}]}"), "111");
  EXPECT_EQ(marked("include: {match_type: strict, attributes: [{key: retries, value: '3'}]}"),
            "000");
  EXPECT_EQ(marked("include: {attributes: [{key: retries}]}"), "111");
  EXPECT_EQ(
      marked("include: {match_type: regexp, attributes: [{key: user.email, value: '@example'}]}"),
      "111");
  EXPECT_EQ(marked("include: {match_type: strict, resources: [{key: service.name, value: batch}]}"),
            "001");
  EXPECT_EQ(marked("include: {match_type: strict, libraries: [{name: io.opentelemetry.http, "
                   "version: 1.2.0}]}"),
            "111");
  EXPECT_EQ(marked("include: {match_type: strict, libraries: [{name: io.opentelemetry.http, "
                   "version: '2'}]}"),
            "000");
  EXPECT_EQ(marked("include: {match_type: strict, services: [shop]}\n"
                   "exclude: {match_type: strict, span_names: [db query]}"),
            "100");
}

TEST_F(AttributesTest, UntouchedSpansStayBytesAndEditsEqualAFullDecode) {
  // Inserting under an absent key is done on the wire; the result must be exactly what a
  // decode, edit and encode gives, and a span no action touches keeps its bytes.
  const std::string yaml = R"(
actions:
  - {key: env, value: prod, action: insert}
  - {key: region, value: eu-1, action: upsert}
)";
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    otlp::ExportRequest req = testing::MakeRequest(2, 2, 3, seed);
    otlp::ExportRequest want = req;
    auto cfg = testing::DecodeOrFail(Factory(), yaml);
    for (auto& rs : *want.mutable_resource_spans())
      for (auto& ss : *rs.mutable_scope_spans())
        for (auto& span : *ss.mutable_spans())
          pipeline::transform::ApplyActions(static_cast<const Config&>(*cfg).actions,
                                            span.mutable_attributes(),
                                            pipeline::RequestContext::Empty());
    testing::SinkConsumer sink;
    Processor p(env_.SettingsFor("attributes"), static_cast<const Config&>(*cfg), sink);
    ASSERT_TRUE(p.ConsumeTraces(pipeline::TraceBatch::FromRequest(req)).ok());
    EXPECT_EQ(sink.Merged().ToProtoBytes(), want.SerializeAsString()) << seed;
  }
  pipeline::TraceBatch clean = testing::MakeBatch(10, 3);
  const std::string before = clean.ToProtoBytes();
  auto cfg = testing::DecodeOrFail(Factory(), "actions: [{key: absent, action: delete}]");
  testing::SinkConsumer sink;
  Processor p(env_.SettingsFor("attributes"), static_cast<const Config&>(*cfg), sink);
  ASSERT_TRUE(p.ConsumeTraces(std::move(clean)).ok());
  EXPECT_EQ(sink.Merged().ToProtoBytes(), before);
}

TEST_F(AttributesTest, ConfigErrorsNameTheField) {
  EXPECT_THAT(Problems("{}"), HasSubstr("processors.attributes.actions: required"));
  EXPECT_THAT(Problems("actions: [{key: a, value: b, action: add}]"),
              HasSubstr("processors.attributes.actions[0].action: unknown action \"add\""));
  EXPECT_THAT(Problems("actions: [{value: b, action: insert}]"),
              HasSubstr("actions[0].key: required for action insert"));
  EXPECT_THAT(Problems("actions: [{key: a, action: upsert}]"),
              HasSubstr("needs one of value, from_attribute, from_context or default_value"));
  EXPECT_THAT(Problems("actions: [{key: a, value: 1, from_attribute: b, action: upsert}]"),
              HasSubstr("only one of"));
  EXPECT_THAT(Problems("actions: [{action: delete}]"), HasSubstr("needs key or pattern"));
  EXPECT_THAT(Problems("actions: [{key: a, pattern: '(x)', action: extract}]"),
              HasSubstr("has a group without a name"));
  EXPECT_THAT(Problems("actions: [{key: a, pattern: 'x', action: extract}]"),
              HasSubstr("has no named group"));
  EXPECT_THAT(Problems("actions: [{key: a, pattern: '(', action: delete}]"),
              HasSubstr("actions[0].pattern: invalid regular expression"));
  EXPECT_THAT(Problems("actions: [{key: a, converted_type: bool, action: convert}]"),
              HasSubstr("invalid value \"bool\""));
  EXPECT_THAT(Problems("actions: [{key: a, value: 1, action: insert, colour: red}]"),
              HasSubstr("colour"));
  EXPECT_THAT(Problems("actions: [{key: a, action: delete}]\ninclude: {match_type: strict}"),
              HasSubstr("set at least one of services"));
  EXPECT_THAT(Problems("actions: [{key: a, action: delete}]\ninclude: {services: [x]}"),
              HasSubstr("include.match_type: required"));
  EXPECT_THAT(Problems("actions: [{key: a, action: delete}]\n"
                       "include: {match_type: strict, span_kinds: [server]}"),
              HasSubstr("\"server\" is no span kind"));
  EXPECT_THAT(Problems("actions: [{key: a, action: delete}]\n"
                       "include: {match_type: regexp, attributes: [{key: a, value: 1}]}"),
              HasSubstr("needs a string value"));
}

}  // namespace
}  // namespace weir::processors::attributes
