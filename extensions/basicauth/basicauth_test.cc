#include "extensions/basicauth/basicauth.h"

#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "extensions/basicauth/factory.h"
#include "extensions/basicauth/htpasswd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/conformance.h"

namespace weir::extensions::basicauth {
namespace {

using ::testing::HasSubstr;

// Hashes of the password "pa55", made with libxcrypt, Python's hashlib and `htpasswd`.
constexpr char kBcrypt[] = "$2b$05$abcdefghijklmnopqrstuudf3HefogPKF0jsklyPu4pStEPtwqax6";
constexpr char kSha512[] =
    "$6$saltsalt$QHiFYvE1ImgHy2CdO8gPUtfYwpcdbkINIm.kV85xPw9A0ZLyOXXrqenfgna22dwjseWbzBoUj6llJs0V"
    "yEoLm.";
constexpr char kSha256[] = "$5$saltsalt$6hihMOWULTKGLoqSMUQ1Md5Svs4J1llK/5XoflXlPVC";
constexpr char kMd5Crypt[] = "$1$saltsalt$uIn9v9vczdrt2RrMf18SY0";
constexpr char kSha1[] = "{SHA}3jlYfsnWMi7F2C1+fdQaJ5Rr39M=";
constexpr char kSsha[] = "{SSHA}7vkfpy9deDTEPAeYQt1ttkPb025OYUNs";

std::string Basic(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

absl::Status Check(const BasicAuth& auth, const std::map<std::string, std::string>& h) {
  return auth.Authenticate([&h](absl::string_view name) -> std::optional<absl::string_view> {
    auto it = h.find(std::string(name));
    if (it == h.end()) return std::nullopt;
    return absl::string_view(it->second);
  });
}

std::unique_ptr<BasicAuth> Make(testing::TestEnvironment& env, const std::string& yaml) {
  auto cfg = testing::DecodeOrFail(Factory(), yaml);
  auto ext = Factory().Create(env.SettingsFor("basicauth"), *cfg);
  EXPECT_TRUE(ext.ok());
  return std::unique_ptr<BasicAuth>(static_cast<BasicAuth*>(ext->release()));
}

std::string Problems(const std::string& yaml) {
  config::Diagnostics d;
  Factory().DecodeConfig(config::Node(YAML::Load(yaml), "extensions.basicauth", &d));
  return d.ToString();
}

TEST(BasicAuth, Conformance) {
  testing::RunExtensionConformance(Factory(), "client_auth: {username: u, password: p}");
  testing::RunExtensionConformance(Factory(), "htpasswd: {inline: 'u:p'}");
}

TEST(BasicAuth, ConfigValidation) {
  EXPECT_THAT(Problems("{}"), HasSubstr("set htpasswd"));
  EXPECT_THAT(Problems("htpasswd: {inline: 'u:p'}\nclient_auth: {username: u}"),
              HasSubstr("not both"));
  EXPECT_THAT(Problems("htpasswd: {}"), HasSubstr("extensions.basicauth.htpasswd"));
  EXPECT_THAT(Problems("htpasswd: {file: /nonexistent/htpasswd}"),
              HasSubstr("extensions.basicauth.htpasswd.file"));
  EXPECT_THAT(Problems("client_auth: {password: p}"),
              HasSubstr("extensions.basicauth.client_auth.username"));
  EXPECT_THAT(Problems("client_auth: {username: 'a:b'}"), HasSubstr("must not contain ':'"));
  EXPECT_THAT(Problems("client_auth: {username: u, password_file: /x}"),
              HasSubstr("extensions.basicauth.client_auth.password_file"));
  EXPECT_EQ(Problems("client_auth: {username: u}"), "");
}

TEST(BasicAuth, HtpasswdErrorsNameTheLine) {
  std::string p = Problems("htpasswd:\n  inline: |\n    alice:pw\n    # comment\n    bobnocolon\n");
  EXPECT_THAT(p, HasSubstr("extensions.basicauth.htpasswd.inline"));
  EXPECT_THAT(p, HasSubstr("line 3: expected user:password"));
  EXPECT_THAT(Problems("htpasswd: {inline: ':pw'}"), HasSubstr("line 1: the user name is empty"));
  EXPECT_THAT(Problems("htpasswd: {inline: \"u:$apr1$abc$def\"}"),
              HasSubstr("line 1: user \"u\" has an Apache MD5 ($apr1$) hash"));
  EXPECT_THAT(Problems("htpasswd: {inline: \"u:{SHA}notbase64!\"}"),
              HasSubstr("line 1: user \"u\" has a malformed {SHA} hash"));

  const std::string path = "/tmp/weir_htpasswd_" + std::to_string(::getpid());
  std::ofstream(path) << "ok:pw\n\nbad\n";
  p = Problems("htpasswd: {file: " + path + "}");
  EXPECT_THAT(p, HasSubstr("extensions.basicauth.htpasswd.file"));
  EXPECT_THAT(p, HasSubstr(path + ": line 3"));
  std::remove(path.c_str());
}

TEST(BasicAuth, EveryHashFormat) {
  Htpasswd table;
  ASSERT_TRUE(Htpasswd::Parse(std::string("plain:pa55\nbcrypt:") + kBcrypt + "\nsha512:" + kSha512 +
                                  "\nsha256:" + kSha256 + "\nmd5:" + kMd5Crypt + "\nsha1:" + kSha1 +
                                  "\nssha:" + kSsha + "\r\n",
                              &table)
                  .ok());
  for (const char* user : {"plain", "bcrypt", "sha512", "sha256", "md5", "sha1", "ssha"}) {
    EXPECT_TRUE(table.Verify(user, "pa55")) << user;
    EXPECT_FALSE(table.Verify(user, "pa56")) << user;
    EXPECT_FALSE(table.Verify(user, "")) << user;
  }
  EXPECT_FALSE(table.Verify("nobody", "pa55"));
}

TEST(BasicAuth, InlineWinsOverFile) {
  const std::string path = "/tmp/weir_htpasswd_win_" + std::to_string(::getpid());
  std::ofstream(path) << "alice:old\nbob:b\n";
  testing::TestEnvironment env;
  auto auth = Make(env, "htpasswd:\n  file: " + path + "\n  inline: 'alice:new'");
  EXPECT_TRUE(Check(*auth, {{"authorization", Basic("alice", "new")}}).ok());
  EXPECT_FALSE(Check(*auth, {{"authorization", Basic("alice", "old")}}).ok());
  EXPECT_TRUE(Check(*auth, {{"authorization", Basic("bob", "b")}}).ok());
  std::remove(path.c_str());
}

TEST(BasicAuth, ServerRefusals) {
  testing::TestEnvironment env;
  auto auth = Make(env, std::string("htpasswd: {inline: 'u:") + kBcrypt + "'}");
  EXPECT_TRUE(Check(*auth, {{"authorization", Basic("u", "pa55")}}).ok());
  // Remembered: the second check of the same credentials is a lookup.
  EXPECT_TRUE(Check(*auth, {{"authorization", Basic("u", "pa55")}}).ok());
  EXPECT_TRUE(Check(*auth, {{"authorization", "basic " + absl::Base64Escape("u:pa55")}}).ok());
  EXPECT_THAT(Check(*auth, {}).message(), HasSubstr("missing Authorization header"));
  EXPECT_THAT(Check(*auth, {{"authorization", "Bearer x"}}).message(),
              HasSubstr("invalid authorization scheme prefix"));
  EXPECT_THAT(Check(*auth, {{"authorization", "Basic !!!"}}).message(),
              HasSubstr("invalid authorization format"));
  EXPECT_THAT(Check(*auth, {{"authorization", "Basic " + absl::Base64Escape("nocolon")}}).message(),
              HasSubstr("invalid authorization format"));
  EXPECT_THAT(Check(*auth, {{"authorization", Basic("u", "wrong")}}).message(),
              HasSubstr("invalid credentials"));
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", Basic("x", "pa55")}})));
  EXPECT_EQ(auth->Challenge(), "Basic realm=\"weir\"");
}

// bcrypt of "pa55" at cost 13: about half a second per check.
constexpr char kSlowBcrypt[] = "$2b$13$BQXUNVOilMt/BMLNaGtFcuNLcymw6v5bOlu4/a7Xg91ik3OAj2FKu";

TEST(BasicAuth, WrongPasswordsCannotTakeEveryCore) {
  testing::TestEnvironment env;
  auto auth = Make(env, std::string("htpasswd: {inline: 'u:") + kSlowBcrypt + "'}");
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", Basic("u", "wrong")}})));
  // kMaxChecks new wrong passwords occupy every check.
  std::vector<std::thread> checking;
  for (int i = 0; i < BasicAuth::kMaxChecks; ++i) {
    checking.emplace_back([&auth, i] {
      EXPECT_TRUE(absl::IsUnauthenticated(
          Check(*auth, {{"authorization", Basic("u", "guess" + std::to_string(i))}})));
    });
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (auth->checks_in_flight() < BasicAuth::kMaxChecks && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(auth->checks_in_flight(), BasicAuth::kMaxChecks);
  // A new one is told to retry instead of queueing for a core...
  absl::Status busy = Check(*auth, {{"authorization", Basic("u", "another")}});
  EXPECT_TRUE(absl::IsResourceExhausted(busy)) << busy;
  // ...while a wrong password already tried is refused from memory, needing no check.
  EXPECT_TRUE(absl::IsUnauthenticated(Check(*auth, {{"authorization", Basic("u", "wrong")}})));
  for (auto& t : checking) t.join();
  EXPECT_EQ(auth->checks_in_flight(), 0);
  EXPECT_TRUE(Check(*auth, {{"authorization", Basic("u", "pa55")}}).ok());
}

TEST(BasicAuth, ClientHeader) {
  testing::TestEnvironment env;
  auto auth = Make(env, "client_auth: {username: weir, password: 's3cret'}");
  EXPECT_EQ(auth->RequestHeader(),
            std::make_pair(std::string("Authorization"), Basic("weir", "s3cret")));
  // A client-only extension lets nobody in.
  EXPECT_FALSE(Check(*auth, {{"authorization", Basic("weir", "s3cret")}}).ok());
}

TEST(BasicAuth, Roles) {
  auto server = testing::DecodeOrFail(Factory(), "htpasswd: {inline: 'u:p'}");
  auto client = testing::DecodeOrFail(Factory(), "client_auth: {username: u}");
  EXPECT_TRUE(Factory().AuthenticatorRoles(*server).server);
  EXPECT_FALSE(Factory().AuthenticatorRoles(*server).client);
  EXPECT_TRUE(Factory().AuthenticatorRoles(*client).client);
  EXPECT_FALSE(Factory().AuthenticatorRoles(*client).server);
  EXPECT_TRUE(Factory().authenticator());
}

}  // namespace
}  // namespace weir::extensions::basicauth
