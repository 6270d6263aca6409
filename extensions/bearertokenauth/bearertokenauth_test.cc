#include "extensions/bearertokenauth/bearertokenauth.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "extensions/bearertokenauth/factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/conformance.h"

namespace weir::extensions::bearertokenauth {
namespace {

using ::testing::HasSubstr;

// A header lookup over a map with lower-case keys.
absl::Status Check(const BearerTokenAuth& auth, const std::map<std::string, std::string>& h) {
  return auth.Authenticate([&h](absl::string_view name) -> std::optional<absl::string_view> {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return absl::string_view(it->second);
  });
}

std::unique_ptr<BearerTokenAuth> Make(testing::TestEnvironment& env, const std::string& yaml) {
  auto cfg = testing::DecodeOrFail(Factory(), yaml);
  auto ext = Factory().Create(env.SettingsFor("bearertokenauth"), *cfg);
  EXPECT_TRUE(ext.ok());
  return std::unique_ptr<BearerTokenAuth>(static_cast<BearerTokenAuth*>(ext->release()));
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir ? dir : "/tmp";
  return base + "/weir_bearer_" + std::to_string(::getpid()) + "_" + name;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::trunc) << contents;
}

TEST(BearerTokenAuth, Conformance) { testing::RunExtensionConformance(Factory(), "token: x"); }

TEST(BearerTokenAuth, ConfigValidation) {
  auto problems = [](const std::string& yaml) {
    config::Diagnostics d;
    Factory().DecodeConfig(config::Node(YAML::Load(yaml), "extensions.bearertokenauth", &d));
    return d.ToString();
  };
  EXPECT_THAT(problems("scheme: Bearer"), HasSubstr("no bearer token provided"));
  EXPECT_THAT(problems("token: a\ntokens: [b]"), HasSubstr("extensions.bearertokenauth.tokens"));
  EXPECT_THAT(problems("token: a\nheader: 'bad header'"),
              HasSubstr("extensions.bearertokenauth.header"));
  EXPECT_THAT(problems("filename: /nonexistent/token"),
              HasSubstr("extensions.bearertokenauth.filename"));
  EXPECT_THAT(problems("token: a\ncolor: red"), HasSubstr("extensions.bearertokenauth.color"));
  EXPECT_EQ(problems("token: a"), "");
}

TEST(BearerTokenAuth, Defaults) {
  auto cfg = testing::DecodeOrFail(Factory(), "token: t");
  const auto& c = static_cast<const Config&>(*cfg);
  EXPECT_EQ(c.header, "Authorization");
  EXPECT_EQ(c.scheme, "Bearer");
  EXPECT_EQ(c.token, "t");
}

TEST(BearerTokenAuth, ServerComparesSchemeAndToken) {
  testing::TestEnvironment env;
  auto auth = Make(env, "token: s3cret");
  EXPECT_TRUE(Check(*auth, {{"authorization", "Bearer s3cret"}}).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {})));
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", "Bearer s3cre"}})));
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", "Bearer s3cret2"}})));
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", "s3cret"}})));
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", "Basic s3cret"}})));
  // The reason never carries the secret.
  EXPECT_THAT(Check(*auth, {{"authorization", "Bearer wrong"}}).message(),
              ::testing::Not(HasSubstr("s3cret")));
  EXPECT_EQ(auth->Challenge(), "Bearer realm=\"weir\"");
}

TEST(BearerTokenAuth, TokensHeaderAndScheme) {
  testing::TestEnvironment env;
  auto auth = Make(env, "tokens: [one, two]\nheader: X-Api-Key\nscheme: Token");
  EXPECT_TRUE(Check(*auth, {{"x-api-key", "Token one"}}).ok());
  EXPECT_TRUE(Check(*auth, {{"x-api-key", "Token two"}}).ok());
  EXPECT_FALSE(Check(*auth, {{"x-api-key", "Token three"}}).ok());
  EXPECT_FALSE(Check(*auth, {{"authorization", "Token one"}}).ok());
  EXPECT_EQ(auth->RequestHeader(),
            std::make_pair(std::string("X-Api-Key"), std::string("Token one")));

  auto bare = Make(env, "token: raw\nscheme: ''");
  EXPECT_TRUE(Check(*bare, {{"authorization", "raw"}}).ok());
  EXPECT_EQ(bare->RequestHeader().second, "raw");
}

TEST(BearerTokenAuth, ClientHeader) {
  testing::TestEnvironment env;
  auto auth = Make(env, "token: abc");
  EXPECT_EQ(auth->RequestHeader(),
            std::make_pair(std::string("Authorization"), std::string("Bearer abc")));
}

TEST(BearerTokenAuth, ConstantTimeEquals) {
  EXPECT_TRUE(pipeline::ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(pipeline::ConstantTimeEquals("", ""));
  EXPECT_FALSE(pipeline::ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(pipeline::ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(pipeline::ConstantTimeEquals("", "a"));
  EXPECT_FALSE(pipeline::ConstantTimeEquals(absl::string_view("a\0b", 3), "a"));
}

TEST(BearerTokenAuth, FileIsReloadedWhenItChanges) {
  // A directory of its own: the watch sees every event of the directory, and other tests write
  // into the shared temporary one.
  std::string dir_template = TempPath("reload_XXXXXX");
  ASSERT_NE(::mkdtemp(dir_template.data()), nullptr);
  const std::string path = dir_template + "/token";
  WriteFile(path, "first\n");
  testing::TestEnvironment env;
  testing::RecordingHost host;
  auto auth = Make(env, "filename: " + path + "\ntoken: ignored");
  ASSERT_TRUE(auth->Start(host).ok());
  EXPECT_EQ(auth->generation(), 1u);
  EXPECT_TRUE(Check(*auth, {{"authorization", "Bearer first"}}).ok());
  EXPECT_FALSE(Check(*auth, {{"authorization", "Bearer ignored"}}).ok());

  // An event that leaves the tokens as they are is not a new generation.
  WriteFile(dir_template + "/unrelated", "x");
  WriteFile(path, "first\n");

  // Rewritten in place.
  WriteFile(path, "second\n");
  ASSERT_TRUE(auth->WaitForGeneration(2, absl::Seconds(10)));
  EXPECT_EQ(auth->generation(), 2u);
  EXPECT_TRUE(Check(*auth, {{"authorization", "Bearer second"}}).ok());
  EXPECT_FALSE(Check(*auth, {{"authorization", "Bearer first"}}).ok());
  EXPECT_EQ(auth->RequestHeader().second, "Bearer second");

  // Replaced by a rename, as editors and Kubernetes do; several tokens, one per line.
  const std::string tmp = path + ".tmp";
  WriteFile(tmp, "  third \n\nfourth\n");
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);
  ASSERT_TRUE(auth->WaitForGeneration(3, absl::Seconds(10)));
  EXPECT_TRUE(Check(*auth, {{"authorization", "Bearer third"}}).ok());
  EXPECT_TRUE(Check(*auth, {{"authorization", "Bearer fourth"}}).ok());
  EXPECT_FALSE(Check(*auth, {{"authorization", "Bearer second"}}).ok());
  EXPECT_EQ(auth->RequestHeader().second, "Bearer third");

  // A file emptied (mid-rewrite, or by mistake) keeps the tokens in use.
  WriteFile(path, "");
  WriteFile(path + ".other", "x");  // another event in the directory, after the empty write
  EXPECT_FALSE(auth->WaitForGeneration(4, absl::Milliseconds(200)));
  EXPECT_TRUE(Check(*auth, {{"authorization", "Bearer third"}}).ok());

  auth->Shutdown(absl::Now());
  auth->Shutdown(absl::Now());  // idempotent; the watch thread is gone
  for (const char* name : {"/token", "/token.other", "/unrelated"}) {
    std::remove((dir_template + name).c_str());
  }
  ::rmdir(dir_template.c_str());
}

TEST(BearerTokenAuth, StartFailsWhenTheFileIsGone) {
  const std::string path = TempPath("gone");
  WriteFile(path, "t\n");
  auto cfg = testing::DecodeOrFail(Factory(), "filename: " + path);
  std::remove(path.c_str());
  testing::TestEnvironment env;
  testing::RecordingHost host;
  auto ext = Factory().Create(env.SettingsFor("bearertokenauth"), *cfg);
  ASSERT_TRUE(ext.ok());
  absl::Status s = (*ext)->Start(host);
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(path));
  (*ext)->Shutdown(absl::Now());
}

}  // namespace
}  // namespace weir::extensions::bearertokenauth
