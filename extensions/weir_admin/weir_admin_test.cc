#include "extensions/weir_admin/weir_admin.h"

#include "absl/strings/escaping.h"
#include "extensions/weir_admin/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pipeline/sampling_control.h"
#include "tests/testing/conformance.h"

namespace weir::extensions::weir_admin {
namespace {

using ::testing::HasSubstr;
namespace http = boost::beast::http;

net::HttpResponse Call(http::verb method, const std::string& target, const std::string& body = "") {
  net::HttpRequest request(method, target, 11);
  request.body() = body;
  request.prepare_payload();
  return HandleAdminRequest(request);
}

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override { pipeline::SamplingControl::Process().Reset(); }
  void TearDown() override { pipeline::SamplingControl::Process().Reset(); }
};

TEST_F(AdminTest, BoostsStartListAndEnd) {
  auto created = Call(http::verb::post, "/sampling/boosts",
                      R"({"duration":"15m","percentage":50,"service":"checkout",
                          "attribute":{"key":"tenant","value":"acme"}})");
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_THAT(created.body(), HasSubstr("\"id\":1"));
  EXPECT_THAT(created.body(), HasSubstr("\"percentage\":50"));
  EXPECT_THAT(created.body(), HasSubstr("\"service\":\"checkout\""));
  EXPECT_THAT(created.body(), HasSubstr("\"key\":\"tenant\""));
  auto list = Call(http::verb::get, "/sampling/boosts");
  EXPECT_EQ(list.result(), http::status::ok);
  EXPECT_THAT(list.body(), HasSubstr("\"remaining\":\"14m5"));
  auto boosts = pipeline::SamplingControl::Process().ActiveBoosts(absl::Now());
  ASSERT_EQ(boosts.size(), 1u);
  EXPECT_EQ(boosts[0].attribute_value, "acme");
  EXPECT_EQ(Call(http::verb::delete_, "/sampling/boosts/1").result(), http::status::ok);
  EXPECT_EQ(Call(http::verb::delete_, "/sampling/boosts/1").result(), http::status::not_found);
  EXPECT_THAT(Call(http::verb::get, "/sampling/boosts").body(), HasSubstr("\"boosts\":[]"));
}

TEST_F(AdminTest, BoostsAreBounded) {
  for (size_t i = 0; i < pipeline::SamplingControl::kMaxBoosts; ++i)
    ASSERT_EQ(Call(http::verb::post, "/sampling/boosts", R"({"duration":"1m"})").result(),
              http::status::created);
  auto refused = Call(http::verb::post, "/sampling/boosts", R"({"duration":"1m"})");
  EXPECT_EQ(refused.result(), http::status::conflict);
  EXPECT_THAT(refused.body(), HasSubstr("end one first"));
}

TEST_F(AdminTest, BoostsEndByThemselves) {
  pipeline::SamplingControl::Boost b;
  b.ends = absl::Now() + absl::Milliseconds(20);
  pipeline::SamplingControl::Process().AddBoost(b);
  EXPECT_EQ(pipeline::SamplingControl::Process().ActiveBoosts(absl::Now()).size(), 1u);
  EXPECT_TRUE(
      pipeline::SamplingControl::Process().ActiveBoosts(absl::Now() + absl::Seconds(1)).empty());
}

TEST_F(AdminTest, BadRequestsNameTheField) {
  struct Case {
    const char* body;
    const char* says;
  } cases[] = {
      {"{", "not JSON"},
      {"[]", "JSON object"},
      {"{}", "duration: required"},
      {R"({"duration":"soon"})", "duration: expected"},
      {R"({"duration":"48h"})", "duration: expected"},
      {R"({"duration":"1m","percentage":0})", "percentage"},
      {R"({"duration":"1m","percentage":"all"})", "percentage"},
      {R"({"duration":"1m","service":5})", "service: expected a string"},
      {R"({"duration":"1m","attribute":{"value":"x"}})", "attribute"},
      {R"({"duration":"1m","tenant":"x"})", "tenant: unknown field"},
  };
  for (const Case& c : cases) {
    auto r = Call(http::verb::post, "/sampling/boosts", c.body);
    EXPECT_EQ(r.result(), http::status::bad_request) << c.body;
    EXPECT_THAT(r.body(), HasSubstr(c.says)) << c.body;
  }
  EXPECT_TRUE(pipeline::SamplingControl::Process().ActiveBoosts(absl::Now()).empty());
  EXPECT_EQ(Call(http::verb::put, "/sampling/boosts").result(), http::status::method_not_allowed);
  EXPECT_EQ(Call(http::verb::get, "/nowhere").result(), http::status::not_found);
  EXPECT_EQ(Call(http::verb::delete_, "/sampling/boosts/x").result(), http::status::bad_request);
}

TEST_F(AdminTest, ExplainShowsEachPolicysVote) {
  const std::string id = absl::HexStringToBytes("0af7651916cd43dd8448eb211c80319c");
  pipeline::SamplingControl::Explanation e;
  e.processor = "tail_sampling";
  e.sampled = false;
  e.spans = 5;
  e.policies = std::make_shared<std::vector<std::string>>(
      std::vector<std::string>{"no-health", "errors", "baseline"});
  e.votes = {0, 0, 0};
  e.vote_count = 3;
  pipeline::SamplingControl::Process().Record(id, e);
  auto r = Call(http::verb::get, "/sampling/explain/0AF7651916CD43DD8448EB211C80319C");
  ASSERT_EQ(r.result(), http::status::ok) << r.body();
  EXPECT_THAT(r.body(), HasSubstr("\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\""));
  EXPECT_THAT(r.body(), HasSubstr("\"sampled\":false"));
  EXPECT_THAT(r.body(), HasSubstr("{\"policy\":\"errors\",\"vote\":\"not_sampled\"}"));
  EXPECT_EQ(Call(http::verb::get, "/sampling/explain/ffffffffffffffffffffffffffffffff").result(),
            http::status::not_found);
  EXPECT_EQ(Call(http::verb::get, "/sampling/explain/xyz").result(), http::status::bad_request);
}

TEST_F(AdminTest, ServesOverHttp) {
  testing::TestEnvironment env;
  auto cfg = testing::DecodeOrFail(Factory(), "endpoint: 127.0.0.1:0");
  WeirAdmin admin(env.SettingsFor("weir_admin"), static_cast<const Config&>(*cfg));
  testing::RecordingHost host;
  ASSERT_TRUE(admin.Start(host).ok());
  EXPECT_FALSE(admin.address().empty());
  admin.Shutdown(absl::Now() + absl::Seconds(2));
}

TEST(WeirAdmin, Conformance) {
  testing::RunExtensionConformance(Factory(), "endpoint: 127.0.0.1:0");
}

}  // namespace
}  // namespace weir::extensions::weir_admin
