#include "processors/redaction/processor.h"

#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "processors/redaction/factory.h"
#include "re2/re2.h"
#include "tests/testing/conformance.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"

namespace weir::processors::redaction {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCard[] = "4111111111111111";
constexpr char kEmail[] = "ann.lee@example.com";
constexpr char kToken[] = "Bearer eyJhbGciOiJIUzI1NiJ9.abc";

constexpr char kPiiConfig[] = R"(
allow_all_keys: true
blocked_values:
  - "\\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14})\\b"
  - "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"
  - "(?i)bearer\\s+[A-Za-z0-9._~+/=-]+"
)";

void Put(google::protobuf::RepeatedPtrField<otlp::KeyValue>* list, const std::string& key,
         const std::string& value) {
  auto* kv = list->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

// One resource, one scope; span 0 carries PII everywhere, span 1 carries none.
otlp::ExportRequest PiiRequest() {
  otlp::ExportRequest req;
  auto* rs = req.add_resource_spans();
  Put(rs->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  Put(rs->mutable_resource()->mutable_attributes(), "owner", kEmail);
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  Put(ss->mutable_scope()->mutable_attributes(), "scope.contact", kEmail);
  for (int i = 0; i < 2; ++i) {
    auto* span = ss->add_spans();
    span->set_trace_id(std::string(15, '\1') + static_cast<char>(i + 1));
    span->set_span_id(std::string(7, '\2') + static_cast<char>(i + 1));
    span->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    Put(span->mutable_attributes(), "http.route", "/pay");
    if (i == 0) {
      span->set_name(absl::StrCat("charge ", kCard));
      Put(span->mutable_attributes(), "card", absl::StrCat("card ", kCard, " of ", kEmail));
      Put(span->mutable_attributes(), "auth", kToken);
      auto* ev = span->add_events();
      ev->set_name(absl::StrCat("mail sent to ", kEmail));
      Put(ev->mutable_attributes(), "to", kEmail);
      auto* link = span->add_links();
      link->set_trace_id(std::string(16, '\3'));
      link->set_span_id(std::string(8, '\4'));
      Put(link->mutable_attributes(), "payer", kCard);
      span->mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
      span->mutable_status()->set_message(absl::StrCat("declined: ", kCard));
    } else {
      span->set_name("GET /pay");
      Put(span->mutable_attributes(), "note", "nothing to hide");
    }
  }
  return req;
}

class RedactionTest : public ::testing::Test {
 protected:
  pipeline::TraceBatch Run(const std::string& yaml, pipeline::TraceBatch batch) {
    auto cfg = testing::DecodeOrFail(Factory(), yaml);
    testing::SinkConsumer sink;
    Processor p(env_.SettingsFor("redaction"), static_cast<const Config&>(*cfg), sink);
    EXPECT_TRUE(p.ConsumeTraces(std::move(batch)).ok());
    return sink.Merged();
  }
  pipeline::TraceBatch Run(const std::string& yaml, const otlp::ExportRequest& req) {
    return Run(yaml, pipeline::TraceBatch::FromRequest(req));
  }
  double Metric(const std::string& name) { return env_.telemetry.Sum(name); }

  testing::TestEnvironment env_;
};

TEST_F(RedactionTest, Conformance) { testing::RunProcessorConformance(Factory(), kPiiConfig); }

TEST_F(RedactionTest, PiiLeavesNowhere) {
  pipeline::TraceBatch out = Run(std::string(kPiiConfig) + "redact_names: true\n", PiiRequest());
  const std::string bytes = out.ToProtoBytes();
  for (const char* secret : {kCard, kEmail, "eyJhbGciOiJIUzI1NiJ9", "ann.lee"}) {
    EXPECT_THAT(bytes, Not(HasSubstr(secret))) << secret;
  }
  otlp::ExportRequest got = out.ToRequest();
  const auto& rs = got.resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "checkout");
  EXPECT_EQ(rs.resource().attributes(1).value().string_value(), "****");
  EXPECT_EQ(rs.scope_spans(0).scope().attributes(0).value().string_value(), "****");
  const auto& span = rs.scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "charge ****");
  EXPECT_EQ(span.attributes(0).value().string_value(), "/pay");
  EXPECT_EQ(span.attributes(1).value().string_value(), "card **** of ****");
  EXPECT_EQ(span.attributes(2).value().string_value(), "****");
  EXPECT_EQ(span.events(0).name(), "mail sent to ****");
  EXPECT_EQ(span.events(0).attributes(0).value().string_value(), "****");
  EXPECT_EQ(span.links(0).attributes(0).value().string_value(), "****");
  EXPECT_EQ(span.status().message(), "declined: ****");
  EXPECT_EQ(span.status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(rs.scope_spans(0).spans(1).name(), "GET /pay");

  EXPECT_EQ(Metric("weir_processor_redaction_attributes"),
            6);  // owner, scope, card, auth, to, payer
  EXPECT_EQ(Metric("weir_processor_redaction_names"), 3);
}

TEST_F(RedactionTest, ScopesAndResourcesWithoutSpansAreRedactedToo) {
  otlp::ExportRequest req = PiiRequest();
  auto* empty_scope = req.mutable_resource_spans(0)->add_scope_spans();
  empty_scope->mutable_scope()->set_name("idle");
  Put(empty_scope->mutable_scope()->mutable_attributes(), "owner", kEmail);
  auto* empty_resource = req.add_resource_spans()->mutable_resource();
  Put(empty_resource->mutable_attributes(), "owner", kCard);
  pipeline::TraceBatch out = Run(std::string(kPiiConfig) + "redact_names: true\n", req);
  const std::string bytes = out.ToProtoBytes();
  EXPECT_THAT(bytes, Not(HasSubstr(kEmail)));
  EXPECT_THAT(bytes, Not(HasSubstr(kCard)));
  otlp::ExportRequest got = out.ToRequest();
  ASSERT_EQ(got.resource_spans_size(), 2);
  ASSERT_EQ(got.resource_spans(0).scope_spans_size(), 2);
  EXPECT_EQ(got.resource_spans(0).scope_spans(1).scope().attributes(0).value().string_value(),
            "****");
  EXPECT_EQ(got.resource_spans(1).resource().attributes(0).value().string_value(), "****");
}

TEST_F(RedactionTest, WithoutRedactNamesNamesStayAsOtelcol) {
  otlp::ExportRequest got = Run(kPiiConfig, PiiRequest()).ToRequest();
  const auto& span = got.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), absl::StrCat("charge ", kCard));
  EXPECT_EQ(span.status().message(), absl::StrCat("declined: ", kCard));
  EXPECT_EQ(span.attributes(1).value().string_value(), "card **** of ****");
}

TEST_F(RedactionTest, UntouchedSpansPassAsBytes) {
  otlp::ExportRequest req = PiiRequest();
  // Only span 0 and the resource and scope need changes; span 1 must keep its bytes.
  pipeline::TraceBatch in = pipeline::TraceBatch::FromRequest(req);
  std::string span1(in.SpanAt(1).wire_bytes());
  pipeline::TraceBatch out = Run(kPiiConfig, std::move(in));
  EXPECT_EQ(out.SpanAt(1).wire_bytes(), span1);

  // A batch no rule touches leaves as it came, byte for byte.
  pipeline::TraceBatch clean = testing::MakeBatch(20, 7);
  const std::string before = clean.ToProtoBytes();
  EXPECT_EQ(
      Run("allow_all_keys: true\nblocked_values: ['4[0-9]{15}']", std::move(clean)).ToProtoBytes(),
      before);
}

TEST_F(RedactionTest, FailsClosedKeepingOnlyAllowedKeys) {
  otlp::ExportRequest got =
      Run("allowed_keys: [service.name, http.route]", PiiRequest()).ToRequest();
  const auto& rs = got.resource_spans(0);
  ASSERT_EQ(rs.resource().attributes_size(), 1);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.scope_spans(0).scope().attributes_size(), 0);
  const auto& span = rs.scope_spans(0).spans(0);
  ASSERT_EQ(span.attributes_size(), 1);
  EXPECT_EQ(span.attributes(0).key(), "http.route");
  EXPECT_EQ(span.events(0).attributes_size(), 0);
  EXPECT_EQ(span.links(0).attributes_size(), 0);
}

TEST_F(RedactionTest, SummaryAttributesAsOtelcolWritesThem) {
  otlp::ExportRequest req;
  auto* span = req.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\1'));
  span->set_span_id(std::string(8, '\2'));
  Put(span->mutable_attributes(), "redaction.redacted.keys", "dropped_attr1,dropped_attr2");
  auto* count = span->add_attributes();
  count->set_key("redaction.redacted.count");
  count->mutable_value()->set_int_value(2);
  Put(span->mutable_attributes(), "redundant", "x");
  Put(span->mutable_attributes(), "token_some", "abc");
  Put(span->mutable_attributes(), "name", "placeholder 4111111111111111");
  Put(span->mutable_attributes(), "api_key_some", "secret");
  Put(span->mutable_attributes(), "id", "5");
  Put(span->mutable_attributes(), "mail", "a@example.com");
  Put(span->mutable_attributes(), "ignored", "x");
  otlp::ExportRequest got = Run(R"(
allowed_keys: [token_some, name, api_key_some, id, mail]
ignored_keys: [ignored]
blocked_key_patterns: ["^token", "^api_key"]
blocked_values: ["4[0-9]{15}"]
allowed_values: ["@example\\.com$"]
summary: debug
)",
                                req)
                                .ToRequest();
  std::map<std::string, otlp::AnyValue> attrs;
  for (const auto& kv : got.resource_spans(0).scope_spans(0).spans(0).attributes())
    attrs[kv.key()] = kv.value();
  EXPECT_EQ(attrs["redaction.redacted.keys"].string_value(),
            "dropped_attr1,dropped_attr2,redundant");
  EXPECT_EQ(attrs["redaction.redacted.count"].int_value(), 3)
      << got.resource_spans(0).scope_spans(0).spans(0).Utf8DebugString();
  EXPECT_EQ(attrs["redaction.masked.keys"].string_value(), "api_key_some,name,token_some");
  EXPECT_EQ(attrs["redaction.masked.count"].int_value(), 3);
  EXPECT_EQ(attrs["redaction.allowed.keys"].string_value(), "mail");
  EXPECT_EQ(attrs["redaction.allowed.count"].int_value(), 1);
  EXPECT_EQ(attrs["redaction.ignored.count"].int_value(), 1);
  EXPECT_EQ(attrs.count("redundant"), 0u);
  EXPECT_EQ(attrs["name"].string_value(), "placeholder ****");
  EXPECT_EQ(attrs["id"].string_value(), "5");

  // info: the counts only.
  got = Run("allow_all_keys: true\nblocked_values: ['4[0-9]{15}']\nsummary: info", req).ToRequest();
  attrs.clear();
  for (const auto& kv : got.resource_spans(0).scope_spans(0).spans(0).attributes())
    attrs[kv.key()] = kv.value();
  EXPECT_EQ(attrs["redaction.masked.count"].int_value(), 1);
  EXPECT_EQ(attrs.count("redaction.masked.keys"), 0u);
}

TEST_F(RedactionTest, AllTypesAndMaskedValuesBecomeStrings) {
  otlp::ExportRequest req;
  auto* span = req.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\1'));
  span->set_span_id(std::string(8, '\2'));
  auto* n = span->add_attributes();
  n->set_key("card_number");
  n->mutable_value()->set_int_value(4111111111111111);
  auto* list = span->add_attributes();
  list->set_key("emails");
  list->mutable_value()->mutable_array_value()->add_values()->set_string_value(kEmail);
  auto* flag = span->add_attributes();
  flag->set_key("flag");
  flag->mutable_value()->set_bool_value(true);
  const std::string yaml = std::string(kPiiConfig) + "redact_all_types: true\n";
  otlp::ExportRequest got = Run(yaml, req).ToRequest();
  const auto& attrs = got.resource_spans(0).scope_spans(0).spans(0).attributes();
  EXPECT_EQ(attrs[0].value().string_value(), "****");
  EXPECT_EQ(attrs[1].value().string_value(), "[\"****\"]");
  EXPECT_TRUE(attrs[2].value().bool_value());
  // Without redact_all_types other types are not read, as otelcol's.
  got = Run(kPiiConfig, req).ToRequest();
  EXPECT_EQ(got.resource_spans(0).scope_spans(0).spans(0).attributes(0).value().int_value(),
            4111111111111111);
}

TEST_F(RedactionTest, DryRunChangesNothingAndCountsPerRule) {
  otlp::ExportRequest req = PiiRequest();
  const std::string before = pipeline::TraceBatch::FromRequest(req).ToProtoBytes();
  pipeline::TraceBatch out =
      Run(std::string(kPiiConfig) + "redact_names: true\ndry_run: true\n", req);
  EXPECT_EQ(out.ToProtoBytes(), before);
  // card holds two matches of two rules; the metric counts values per rule.
  EXPECT_EQ(Metric("weir_processor_redaction_attributes"), 6);
  EXPECT_EQ(Metric("weir_processor_redaction_names"), 3);
  EXPECT_GE(Metric("weir_processor_redaction_rule_matches"), 9);
}

TEST_F(RedactionTest, UrlAndDatabaseSanitizersOnSpans) {
  otlp::ExportRequest req;
  auto* ss = req.add_resource_spans()->add_scope_spans();
  auto* web = ss->add_spans();
  web->set_trace_id(std::string(16, '\1'));
  web->set_span_id(std::string(8, '\1'));
  web->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  web->set_name("GET /users/123/orders");
  Put(web->mutable_attributes(), "url.full", "https://shop.example/users/123/orders?t=secret");
  auto* db = ss->add_spans();
  db->set_trace_id(std::string(16, '\1'));
  db->set_span_id(std::string(8, '\2'));
  db->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  db->set_name("SELECT * FROM users WHERE email = 'ann@x.org'");
  Put(db->mutable_attributes(), "db.system.name", "postgresql");
  Put(db->mutable_attributes(), "db.query.text", "SELECT * FROM users WHERE id = 42");
  otlp::ExportRequest got = Run(R"(
allow_all_keys: true
url_sanitizer: {enabled: true, attributes: [url.full]}
db_sanitizer: {sql: {enabled: true, attributes: [db.query.text]}}
)",
                                req)
                                .ToRequest();
  const auto& spans = got.resource_spans(0).scope_spans(0).spans();
  EXPECT_EQ(spans[0].name(), "GET /users/*/orders");
  EXPECT_EQ(spans[0].attributes(0).value().string_value(), "https://shop.example/users/*/orders");
  EXPECT_EQ(spans[1].name(), "SELECT * FROM users WHERE email = ?");
  EXPECT_EQ(spans[1].attributes(1).value().string_value(), "SELECT * FROM users WHERE id = ?");
}

// The reference: decode everything, apply the rules of kPiiConfig plus an allow list by hand,
// encode everything.
void ReferenceRedact(otlp::ExportRequest* req, const std::set<std::string>& allowed) {
  const RE2 patterns[] = {RE2("\\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14})\\b"),
                          RE2("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"),
                          RE2("(?i)bearer\\s+[A-Za-z0-9._~+/=-]+")};
  auto edit = [&](google::protobuf::RepeatedPtrField<otlp::KeyValue>* list) {
    google::protobuf::RepeatedPtrField<otlp::KeyValue> kept;
    for (otlp::KeyValue& kv : *list) {
      if (!allowed.count(kv.key())) continue;
      if (kv.value().value_case() == otlp::AnyValue::kStringValue) {
        std::string v = kv.value().string_value();
        for (const RE2& re : patterns) RE2::GlobalReplace(&v, re, "****");
        kv.mutable_value()->set_string_value(v);
      }
      *kept.Add() = kv;
    }
    list->Swap(&kept);
  };
  for (auto& rs : *req->mutable_resource_spans()) {
    edit(rs.mutable_resource()->mutable_attributes());
    for (auto& ss : *rs.mutable_scope_spans()) {
      edit(ss.mutable_scope()->mutable_attributes());
      for (auto& span : *ss.mutable_spans()) {
        edit(span.mutable_attributes());
        for (auto& e : *span.mutable_events()) edit(e.mutable_attributes());
        for (auto& l : *span.mutable_links()) edit(l.mutable_attributes());
      }
    }
  }
}

TEST_F(RedactionTest, DifferentialAgainstFullDecodeEditEncode) {
  std::mt19937_64 rng(42);
  const char* secrets[] = {kCard, kEmail, kToken, "5500000000000004", "x@y.io"};
  for (int round = 0; round < 20; ++round) {
    otlp::ExportRequest req = testing::MakeRequest(2, 2, 5, round + 1);
    std::set<std::string> keys;
    // Sprinkle PII into about one in ten attribute values.
    auto sprinkle = [&](google::protobuf::RepeatedPtrField<otlp::KeyValue>* list) {
      for (otlp::KeyValue& kv : *list) {
        keys.insert(kv.key());
        if (kv.value().value_case() == otlp::AnyValue::kStringValue && rng() % 10 == 0) {
          kv.mutable_value()->set_string_value(
              absl::StrCat(kv.value().string_value(), " ", secrets[rng() % 5]));
        }
      }
    };
    for (auto& rs : *req.mutable_resource_spans()) {
      sprinkle(rs.mutable_resource()->mutable_attributes());
      for (auto& ss : *rs.mutable_scope_spans()) {
        sprinkle(ss.mutable_scope()->mutable_attributes());
        for (auto& span : *ss.mutable_spans()) {
          sprinkle(span.mutable_attributes());
          for (auto& e : *span.mutable_events()) sprinkle(e.mutable_attributes());
          for (auto& l : *span.mutable_links()) sprinkle(l.mutable_attributes());
        }
      }
    }
    // Every other round, a fail-closed allow list that keeps half the keys.
    std::set<std::string> allowed = keys;
    std::string yaml = kPiiConfig;
    if (round % 2 == 1) {
      allowed.clear();
      yaml = absl::StrCat("allowed_keys: [", "\"service.name\"");
      for (const std::string& k : keys) {
        if (rng() % 2 == 0) {
          allowed.insert(k);
          absl::StrAppend(&yaml, ", \"", k, "\"");
        }
      }
      allowed.insert("service.name");
      absl::StrAppend(&yaml, "]\n",
                      std::string(kPiiConfig).substr(strlen("\nallow_all_keys: true")));
    }
    otlp::ExportRequest want = req;
    ReferenceRedact(&want, allowed);
    std::string want_bytes;
    ASSERT_TRUE(want.SerializeToString(&want_bytes));
    const std::string got_bytes = Run(yaml, req).ToProtoBytes();
    if (got_bytes != want_bytes) {
      otlp::ExportRequest got;
      ASSERT_TRUE(got.ParseFromString(got_bytes));
      std::string report;
      google::protobuf::util::MessageDifferencer differ;
      differ.ReportDifferencesToString(&report);
      const bool same = differ.Compare(got, want);
      size_t at = 0;
      while (at < got_bytes.size() && at < want_bytes.size() && got_bytes[at] == want_bytes[at])
        ++at;
      ADD_FAILURE() << "round " << round << ": first difference at byte " << at << " of "
                    << got_bytes.size() << "/" << want_bytes.size() << ": "
                    << absl::CEscape(got_bytes.substr(at > 40 ? at - 40 : 0, 80)) << "\n vs "
                    << absl::CEscape(want_bytes.substr(at > 40 ? at - 40 : 0, 80)) << "\n"
                    << yaml
                    << (same ? "\nthe messages are equal, their encodings differ"
                             : "\n" + report.substr(0, 3000));
      break;
    }
  }
}

}  // namespace
}  // namespace weir::processors::redaction
