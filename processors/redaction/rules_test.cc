#include "processors/redaction/rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "yaml-cpp/yaml.h"

namespace weir::processors::redaction {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Config> Decode(const std::string& yaml, config::Diagnostics* d) {
  return DecodeConfig(config::Node(YAML::Load(yaml), "processors.redaction", d));
}

std::unique_ptr<Rules> Make(const std::string& yaml) {
  config::Diagnostics d;
  auto cfg = Decode(yaml, &d);
  EXPECT_TRUE(d.ok()) << d.ToString();
  auto rules = Rules::Build(*cfg);
  EXPECT_TRUE(rules.ok()) << rules.status();
  return std::move(*rules);
}

std::string Problems(const std::string& yaml) {
  config::Diagnostics d;
  Decode(yaml, &d);
  return d.ToString();
}

TEST(RedactionRules, FailsClosedWithoutAllowedKeys) {
  auto r = Make("{}");
  EXPECT_EQ(r->Evaluate("service.name", "svc", "").verdict, Verdict::kRemove);
  EXPECT_EQ(r->Evaluate("anything", "", "").verdict, Verdict::kRemove);
  // The summary attributes otelcol writes are never removed by the allow list.
  EXPECT_EQ(r->Evaluate("redaction.masked.count", "", "").verdict, Verdict::kKeep);
}

TEST(RedactionRules, OrderIgnoredAllowedKeysAllowedValuesBlockedKeysBlockedValues) {
  auto r = Make(R"(
allowed_keys: [id, name, token_x, note]
ignored_keys: [secret_ignored]
ignored_key_patterns: ["^internal\\."]
blocked_key_patterns: ["^token"]
blocked_values: ["4[0-9]{15}", "[a-z]+@[a-z]+\\.com"]
allowed_values: ["@example\\.com$"]
)");
  EXPECT_EQ(r->Evaluate("secret_ignored", "4111111111111111", "").verdict, Verdict::kIgnore);
  EXPECT_EQ(r->Evaluate("internal.x", "4111111111111111", "").verdict, Verdict::kIgnore);
  Change removed = r->Evaluate("other", "x", "");
  EXPECT_EQ(removed.verdict, Verdict::kRemove);
  EXPECT_THAT(removed.rules, ElementsAre(kRuleAllowedKeys));
  // allowed_values wins over both blocked lists.
  EXPECT_EQ(r->Evaluate("token_x", "ann@example.com", "").verdict, Verdict::kAllow);
  Change key = r->Evaluate("token_x", "abc", "");
  EXPECT_EQ(key.verdict, Verdict::kMask);
  EXPECT_EQ(key.value, "****");
  EXPECT_EQ(r->rule_names()[key.rules[0]], "blocked_key_patterns[0]");
  // Every match of every pattern; the rest of the value stays.
  Change values =
      r->Evaluate("note", "pay 4111111111111111 and 4222222222222222 to bob@corp.com", "");
  EXPECT_EQ(values.verdict, Verdict::kMask);
  EXPECT_EQ(values.value, "pay **** and **** to ****");
  ASSERT_EQ(values.rules.size(), 2u);
  EXPECT_EQ(r->rule_names()[values.rules[0]], "blocked_values[0]");
  EXPECT_EQ(r->rule_names()[values.rules[1]], "blocked_values[1]");
  EXPECT_EQ(r->Evaluate("id", "42", "").verdict, Verdict::kKeep);
}

TEST(RedactionRules, HashesAsOtelcol) {
  auto r = Make(R"(
allow_all_keys: true
blocked_key_patterns: [".*key.*"]
blocked_values: ["4[0-9]{15}"]
hash_function: md5
)");
  // otelcol's own test vectors: the matched part, or the whole value for a blocked key.
  EXPECT_EQ(r->Evaluate("card", "placeholder 4111111111111111", "").value,
            "placeholder 5910f4ea0062a0e29afd3dccc741e3ce");
  EXPECT_EQ(r->Evaluate("api_key", "apinize", "").value, "93a699237950bde9eb9d25c7ead025f3");
  // A non-string value under a blocked key reads as "" and leaves as the hash of "".
  EXPECT_EQ(r->Evaluate("api_key", "", "").value, "d41d8cd98f00b204e9800998ecf8427e");
  // sha3 is SHA3-256, and the name is read in any case.
  EXPECT_EQ(Make("allow_all_keys: true\nblocked_values: ['x']\nhash_function: SHA3")
                ->Evaluate("k", "x", "")
                .value,
            "741efa311f97686956946758e0d95f70f11ff2da4f2feb7c54314f44134ac49f");
}

TEST(RedactionRules, HmacIsKeyedAndStable) {
  const std::string key(32, 'k');
  auto a = Make(
      "allow_all_keys: true\nblocked_values: ['[a-z]+@[a-z.]+']\n"
      "hash_function: hmac-sha256\nhash_key: " +
      key);
  auto b = Make(
      "allow_all_keys: true\nblocked_values: ['[a-z]+@[a-z.]+']\n"
      "hash_function: hmac-sha256\nhmac_key: " +
      key);
  auto other = Make(
      "allow_all_keys: true\nblocked_values: ['[a-z]+@[a-z.]+']\n"
      "hash_function: hmac-sha256\nhmac_key: " +
      std::string(32, 'o'));
  const std::string pa = a->Evaluate("user", "ann@x.org", "").value;
  EXPECT_EQ(pa.size(), 64u);
  EXPECT_EQ(pa, b->Evaluate("user", "ann@x.org", "").value);
  EXPECT_NE(pa, other->Evaluate("user", "ann@x.org", "").value);
  EXPECT_NE(pa, a->Evaluate("user", "bob@x.org", "").value);
}

TEST(RedactionRules, NamesAndMessages) {
  auto r = Make(R"(
allow_all_keys: true
blocked_values: ["[a-z]+@[a-z]+\\.com"]
allowed_values: ["^health"]
)");
  std::vector<int> fired;
  EXPECT_EQ(r->RedactText("mail to ann@corp.com", &fired), "mail to ****");
  EXPECT_EQ(fired.size(), 1u);
  EXPECT_EQ(r->RedactText("health ann@corp.com", &fired), std::nullopt);
  EXPECT_EQ(r->RedactText("plain", &fired), std::nullopt);
}

TEST(RedactionRules, SpanNamesSanitizedAsOtelcol) {
  auto r = Make(R"(
allow_all_keys: true
url_sanitizer: {enabled: true}
db_sanitizer: {sql: {enabled: true}}
)");
  std::vector<int> fired;
  constexpr uint32_t kInternal = 1, kServer = 2, kClient = 3;
  EXPECT_EQ(r->SanitizeSpanName("/users/123/profile", kClient, false, "", &fired),
            "/users/*/profile");
  EXPECT_EQ(r->SanitizeSpanName("/users/123", kInternal, false, "", &fired), std::nullopt);
  // Nothing left but "*": the original says more and stays.
  EXPECT_EQ(r->SanitizeSpanName("/123/456", kServer, false, "", &fired), std::nullopt);
  EXPECT_EQ(r->SanitizeSpanName("operation-123", kServer, true, "", &fired), std::nullopt);
  EXPECT_EQ(
      r->SanitizeSpanName("SELECT * FROM users WHERE id = 123", kInternal, false, "mysql", &fired),
      "SELECT * FROM users WHERE id = ?");
  EXPECT_EQ(r->SanitizeSpanName("SELECT 1", kInternal, false, "mssql", &fired), std::nullopt);
}

TEST(RedactionRules, DatabaseAttributesByDbSystem) {
  auto r = Make(R"(
allow_all_keys: true
db_sanitizer:
  sql: {enabled: true, attributes: [db.statement, db.query.text]}
  redis: {enabled: true, attributes: [db.statement]}
)");
  EXPECT_EQ(r->Evaluate("db.statement",
                        "SELECT id, email FROM users WHERE id = 42 AND email = 'foo@example.com'",
                        "mysql")
                .value,
            "SELECT id, email FROM users WHERE id = ? AND email = ?");
  EXPECT_EQ(r->Evaluate("db.statement", "SET user:12345 my-secret", "redis").value,
            "SET user:12345 ?");
  EXPECT_EQ(r->Evaluate("db.statement", "SELECT 1", "").verdict, Verdict::kKeep);
  EXPECT_EQ(r->Evaluate("db.statement", "SELECT 1", "cassandra").verdict, Verdict::kKeep);
  EXPECT_EQ(r->Evaluate("other", "SELECT 1", "mysql").verdict, Verdict::kKeep);
}

TEST(RedactionRules, ConfigErrorsNameTheKey) {
  EXPECT_THAT(Problems("blocked_values: ['ok', '(unclosed']"),
              HasSubstr("processors.redaction.blocked_values: [1]: invalid regular expression"));
  EXPECT_THAT(Problems("hash_function: crc32"), HasSubstr("unknown hash function \"crc32\""));
  EXPECT_THAT(Problems("hash_function: hmac-sha256"), HasSubstr("hmac_key: required"));
  EXPECT_THAT(Problems("hash_function: hmac-sha256\nhmac_key: short"),
              HasSubstr("at least 32 bytes"));
  EXPECT_THAT(Problems("hash_function: hmac-sha512\nhash_key: " + std::string(40, 'k')),
              HasSubstr("hash_key: must be at least 64 bytes"));
  EXPECT_THAT(Problems("hmac_key: " + std::string(40, 'k')), HasSubstr("applies only to"));
  EXPECT_THAT(Problems("summary: loud"), HasSubstr("summary: must be debug, info or silent"));
  EXPECT_THAT(Problems("url_sanitizer: {enabld: true}"), HasSubstr("enabld"));
  EXPECT_THAT(Problems("db_sanitizer: {postgres: {enabled: true}}"), HasSubstr("postgres"));
  EXPECT_THAT(Problems("alow_all_keys: true"), HasSubstr("alow_all_keys"));
  EXPECT_TRUE(Problems("summary: silent\nhash_function: SHA1").empty());
}

}  // namespace
}  // namespace weir::processors::redaction
