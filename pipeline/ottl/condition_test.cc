#include "pipeline/ottl/condition.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/trace_batch.h"

namespace weir::pipeline::ottl {
namespace {

using ::testing::HasSubstr;

void Put(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list, const std::string& key,
         const otlp::AnyValue& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  *kv->mutable_value() = value;
}
otlp::AnyValue Str(const std::string& s) {
  otlp::AnyValue v;
  v.set_string_value(s);
  return v;
}
otlp::AnyValue Int(int64_t i) {
  otlp::AnyValue v;
  v.set_int_value(i);
  return v;
}

class ConditionTest : public ::testing::Test {
 protected:
  ConditionTest() {
    otlp::ExportRequest req;
    auto* rs = req.add_resource_spans();
    Put(rs->mutable_resource()->mutable_attributes(), "service.name", Str("checkout"));
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("io.otel.http");
    ss->mutable_scope()->set_version("1.4.0");
    auto* span = ss->add_spans();
    span->set_trace_id(
        std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
    span->set_span_id(std::string("\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8", 8));
    span->set_name("GET /health");
    span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    span->set_start_time_unix_nano(1000);
    span->set_end_time_unix_nano(251000);
    span->set_trace_state("ot=th:8");
    span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    span->mutable_status()->set_message("upstream timed out");
    Put(span->mutable_attributes(), "http.route", Str("/health"));
    Put(span->mutable_attributes(), "http.status_code", Int(503));
    otlp::AnyValue ratio;
    ratio.set_double_value(0.75);
    Put(span->mutable_attributes(), "ratio", ratio);
    otlp::AnyValue flag;
    flag.set_bool_value(true);
    Put(span->mutable_attributes(), "cache.hit", flag);
    otlp::AnyValue list;
    *list.mutable_array_value()->add_values() = Str("a");
    *list.mutable_array_value()->add_values() = Str("b");
    Put(span->mutable_attributes(), "tags", list);
    otlp::AnyValue map;
    auto* kv = map.mutable_kvlist_value()->add_values();
    kv->set_key("k");
    *kv->mutable_value() = Int(1);
    Put(span->mutable_attributes(), "nested", map);
    Put(span->mutable_attributes(), "count", Str("42"));
    auto* ev = span->add_events();
    ev->set_name("exception");
    ev->set_time_unix_nano(5000);
    Put(ev->mutable_attributes(), "exception.type", Str("java.io.IOException"));
    batch_ = TraceBatch::FromRequest(req);
  }

  bool Eval(const std::string& text, Context context = Context::kSpan) {
    auto c = Condition::Parse(text, context);
    EXPECT_TRUE(c.ok()) << text << ": " << c.status();
    if (!c.ok()) return false;
    const SpanView span = batch_.SpanAt(0);
    std::optional<EventView> event;
    span.ForEachEvent([&](absl::string_view name, uint64_t time, absl::string_view body) {
      event = EventView{name, time, body};
    });
    auto r = c->Evaluate(span, context == Context::kSpanEvent ? &*event : nullptr);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status();
    return r.ok() && *r;
  }
  std::string ParseError(const std::string& text, Context context = Context::kSpan) {
    auto c = Condition::Parse(text, context);
    return c.ok() ? "" : std::string(c.status().message());
  }

  TraceBatch batch_;
};

TEST_F(ConditionTest, PathsOfTheSpan) {
  EXPECT_TRUE(Eval(R"(name == "GET /health")"));
  EXPECT_TRUE(Eval("kind == SPAN_KIND_SERVER"));
  EXPECT_TRUE(Eval("kind == 2"));
  EXPECT_TRUE(Eval("status.code == STATUS_CODE_ERROR"));
  EXPECT_TRUE(Eval(R"(status.message == "upstream timed out")"));
  EXPECT_TRUE(Eval("trace_id == TraceID(0x0102030405060708090a0b0c0d0e0f10)"));
  EXPECT_TRUE(Eval("span_id == SpanID(0xa1a2a3a4a5a6a7a8)"));
  EXPECT_TRUE(Eval(R"(trace_id.string == "0102030405060708090a0b0c0d0e0f10")"));
  EXPECT_TRUE(Eval(R"(parent_span_id.string == "")"));
  EXPECT_TRUE(Eval(R"(trace_state == "ot=th:8")"));
  EXPECT_TRUE(Eval("start_time_unix_nano == 1000 and end_time_unix_nano >= 251000"));
  EXPECT_TRUE(Eval(R"(attributes["http.route"] == "/health")"));
  EXPECT_TRUE(Eval(R"(attributes["http.status_code"] >= 500)"));
  EXPECT_TRUE(Eval(R"(attributes["ratio"] < 1)"));
  EXPECT_TRUE(Eval(R"(attributes["cache.hit"] == true)"));
  EXPECT_TRUE(Eval(R"(attributes["absent"] == nil)"));
  EXPECT_TRUE(Eval(R"(resource.attributes["service.name"] == "checkout")"));
  EXPECT_TRUE(Eval(R"(instrumentation_scope.name == "io.otel.http")"));
  EXPECT_TRUE(Eval(R"(instrumentation_scope.version == "1.4.0")"));
  EXPECT_TRUE(Eval(R"(span.name == "GET /health")"));
}

TEST_F(ConditionTest, OperatorsAndTypes) {
  EXPECT_FALSE(Eval(R"(attributes["http.status_code"] == "503")"));  // int vs string
  EXPECT_TRUE(Eval(R"(attributes["http.status_code"] != "503")"));
  EXPECT_FALSE(Eval(R"(attributes["http.status_code"] < "600")"));
  EXPECT_TRUE(Eval(R"(attributes["http.status_code"] == 503.0)"));
  EXPECT_TRUE(Eval(R"(name > "A" and name < "Z")"));
  EXPECT_FALSE(Eval(R"(attributes["absent"] > 1)"));
  EXPECT_TRUE(Eval(R"(attributes["absent"] != "x")"));
  EXPECT_TRUE(Eval(R"(nil == nil)"));
  EXPECT_TRUE(Eval("true"));
  EXPECT_FALSE(Eval("false"));
  EXPECT_TRUE(Eval(R"(not (name == "x") and (kind == 1 or kind == 2))"));
  EXPECT_TRUE(Eval(R"(name == "x" or name == "y" or kind == 2)"));
  EXPECT_FALSE(Eval(R"(not true or false)"));
}

TEST_F(ConditionTest, ShortCircuitSkipsErrors) {
  // The right side would fail (Substring past the end); the left decides first.
  EXPECT_FALSE(Eval(R"(false and Substring(name, 0, 999) == "x")"));
  EXPECT_TRUE(Eval(R"(true or Substring(name, 0, 999) == "x")"));
  auto c = Condition::Parse(R"(Substring(name, 0, 999) == "x")", Context::kSpan);
  ASSERT_TRUE(c.ok());
  auto r = c->Evaluate(batch_.SpanAt(0));
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("outside a string of 11 bytes"));
}

TEST_F(ConditionTest, Functions) {
  EXPECT_TRUE(Eval(R"(IsMatch(name, "^GET /heal"))"));
  EXPECT_FALSE(Eval(R"(IsMatch(attributes["absent"], ".*"))"));
  EXPECT_TRUE(Eval(R"(IsMatch(attributes["http.status_code"], "^5\\d\\d$"))"));
  EXPECT_TRUE(Eval(R"(IsString(name) and IsInt(kind) and IsDouble(attributes["ratio"]))"));
  EXPECT_TRUE(Eval(R"(IsBool(attributes["cache.hit"]) and IsList(attributes["tags"]))"));
  EXPECT_TRUE(Eval(R"(IsMap(attributes["nested"]) and not IsMap(name))"));
  EXPECT_TRUE(Eval(R"(Len(name) == 11 and Len(attributes["tags"]) == 2)"));
  EXPECT_TRUE(Eval(R"(Len(attributes["nested"]) == 1)"));
  EXPECT_TRUE(Eval(R"(Int(attributes["count"]) == 42 and Int(attributes["ratio"]) == 0)"));
  EXPECT_TRUE(Eval(R"(Int(name) == nil)"));
  EXPECT_TRUE(Eval(R"(Double(attributes["count"]) == 42.0)"));
  EXPECT_TRUE(Eval(R"(String(attributes["http.status_code"]) == "503")"));
  EXPECT_TRUE(Eval(R"(String(attributes["tags"]) == "[\"a\",\"b\"]")"));
  EXPECT_TRUE(Eval(R"(Concat([name, attributes["http.status_code"]], "|") == "GET /health|503")"));
  EXPECT_TRUE(Eval(R"(Substring(name, 4, 7) == "/health")"));
  EXPECT_TRUE(Eval(R"(HasPrefix(name, "GET ") and HasSuffix(name, "health"))"));
  EXPECT_TRUE(Eval(R"(Contains(status.message, "timed") and Contains(attributes["tags"], "b"))"));
  EXPECT_FALSE(Eval(R"(Contains(attributes["tags"], "c"))"));
}

TEST_F(ConditionTest, SpanEventContext) {
  EXPECT_TRUE(Eval(R"(name == "exception")", Context::kSpanEvent));
  EXPECT_TRUE(
      Eval(R"(attributes["exception.type"] == "java.io.IOException")", Context::kSpanEvent));
  EXPECT_TRUE(Eval("time_unix_nano == 5000", Context::kSpanEvent));
  EXPECT_TRUE(
      Eval(R"(span.name == "GET /health" and resource.attributes["service.name"] == "checkout")",
           Context::kSpanEvent));
  EXPECT_TRUE(Eval(R"(attributes["http.route"] == nil)", Context::kSpanEvent));
}

TEST_F(ConditionTest, ParseErrorsNameTheColumn) {
  EXPECT_THAT(ParseError(R"(name = "x")"), HasSubstr("unexpected \"=\" at column 6"));
  EXPECT_THAT(ParseError(R"(nme == "x")"),
              HasSubstr("unknown path \"nme\" in the span context at column 1"));
  EXPECT_THAT(ParseError(R"(name == "x" and)"), HasSubstr("end of condition at column 16"));
  EXPECT_THAT(ParseError(R"(name == "x)"), HasSubstr("unterminated string at column 9"));
  EXPECT_THAT(ParseError(R"(Foo(name))"), HasSubstr("unknown function \"Foo\" at column 1"));
  EXPECT_THAT(ParseError(R"(IsMatch(name))"), HasSubstr("IsMatch takes 2 arguments, not 1"));
  EXPECT_THAT(ParseError(R"(IsMatch(name, name))"),
              HasSubstr("argument 2 of IsMatch must be a string literal"));
  EXPECT_THAT(ParseError(R"(IsMatch(name, "("))"), HasSubstr("invalid regular expression"));
  EXPECT_THAT(ParseError(R"(attributes == "x")"), HasSubstr("needs a key"));
  EXPECT_THAT(ParseError(R"(attributes["a"]["b"] == 1)"), HasSubstr("not supported"));
  EXPECT_THAT(ParseError(R"(name)"), HasSubstr("a condition must be"));
  EXPECT_THAT(ParseError(R"(name == "x" and kind)"),
              HasSubstr("the operand of and must be a condition"));
  EXPECT_THAT(ParseError(R"(time_unix_nano > 0)"), HasSubstr("unknown path"));
  EXPECT_THAT(ParseError(R"(TraceID(0x01) == trace_id)"), HasSubstr("16-byte literal"));
  EXPECT_THAT(ParseError(""), HasSubstr("empty"));
  EXPECT_THAT(ParseError(R"(set(name, "x"))"), HasSubstr("unknown function \"set\""));
  EXPECT_THAT(ParseError(std::string(100000, '(') + "true" + std::string(100000, ')')),
              HasSubstr("nests too deeply"));
  std::string nots;
  for (int i = 0; i < 50000; ++i) nots += "not ";
  EXPECT_THAT(ParseError(nots + "true"), HasSubstr("nests too deeply"));
  EXPECT_TRUE(Eval(std::string(30, '(') + "true" + std::string(30, ')')));
}

}  // namespace
}  // namespace weir::pipeline::ottl
