#include "gtest/gtest.h"
#include "processors/redaction/db_sanitizer.h"
#include "processors/redaction/url_sanitizer.h"

namespace weir::processors::redaction {
namespace {

TEST(UrlSanitizer, IdsQueryStringsAndFragmentsGo) {
  // The cases of otelcol's URL sanitizer that do not depend on its letter-pair model.
  const std::pair<const char*, const char*> cases[] = {
      {"", ""},
      {"123", "*"},
      {"/123", "/*"},
      {"123/", "*/"},
      {"/u/2", "/u/*"},
      {"/v1/products/22j", "/v1/products/*"},
      {"/products//org/3", "/products//org/*"},
      {"/api/hello.world", "/api/hello.world"},
      {"GET /user_space/", "GET /user_space/"},
      {"/attach?session_id=x&track_id=y", "/attach"},
      {"/attach#section-1", "/attach"},
      {"HTTP GET", "HTTP GET"},
      {"GET /api/cart?sessionId=123", "GET /api/cart"},
      {"/w/index.php/*", "/w/index.php/*"},
      {"?", ""},
      {"attach12?", "*"},
      {"/a#", "/a"},
      {"/api/users/123/posts/456", "/api/users/*/posts/*"},
      {"/api/users/123e4567-e89b-12d3-a456-426614174000", "/api/users/*"},
      {"/k8s-nodes/x1/ann@example.com", "/k8s-nodes/x1/*"},
      // weir keeps scheme and host, and takes user information out.
      {"https://example.com/api/users/123?token=abc", "https://example.com/api/users/*"},
      {"http://ann:secret@localhost:8080/users/42", "http://*@localhost:8080/users/*"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(SanitizeUrl(in), want) << in;
}

TEST(UrlSanitizer, FullyRedacted) {
  EXPECT_TRUE(IsFullyRedacted("*"));
  EXPECT_TRUE(IsFullyRedacted("/*/*"));
  EXPECT_TRUE(IsFullyRedacted("/*/*/"));
  EXPECT_FALSE(IsFullyRedacted("/"));
  EXPECT_FALSE(IsFullyRedacted("/users/*"));
  EXPECT_FALSE(IsFullyRedacted(""));
}

TEST(SqlSanitizer, LiteralsGoShapeStays) {
  const std::pair<const char*, const char*> cases[] = {
      {"SELECT * FROM users WHERE id = 123", "SELECT * FROM users WHERE id = ?"},
      {"UPDATE accounts SET balance = 10 WHERE id = 7",
       "UPDATE accounts SET balance = ? WHERE id = ?"},
      {"SELECT * FROM users where id = 1 -- this is a comment",
       "SELECT * FROM users where id = ? -- this is a comment"},
      {"SELECT a FROM t WHERE n = 'it''s' AND m = 'a\\'b'",
       "SELECT a FROM t WHERE n = ? AND m = ?"},
      {"SELECT * FROM t WHERE x IN (1, 2.5, -3e10, 0xFF)",
       "SELECT * FROM t WHERE x IN (?, ?, -?, ?)"},
      {"SELECT * FROM users1 WHERE flag = TRUE AND v IS NULL",
       "SELECT * FROM users? WHERE flag = ? AND v IS ?"},
      {"SELECT $1, $$secret$$, $tag$x$tag$", "SELECT ?, ?, ?"},
      {"SELECT \"Col1\" FROM `t2` /* 42 */", "SELECT \"Col1\" FROM `t2` /* 42 */"},
      {"  SELECT 'unterminated", "SELECT ?"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(ObfuscateSql(in), want) << in;
}

TEST(SqlSanitizer, QuotedNamesStayWhole) {
  // A back-quoted name is a name, its digits stay; only bare names lose digit runs.
  EXPECT_EQ(ObfuscateSql("SELECT `t2`"), "SELECT `t2`");
}

TEST(RedisSanitizer, ValuesGoKeysStay) {
  EXPECT_EQ(ObfuscateRedis("SET user:12345 my-secret"), "SET user:12345 ?");
  EXPECT_EQ(ObfuscateRedis("AUTH user hunter2"), "AUTH ?");
  EXPECT_EQ(ObfuscateRedis("HSET h field value"), "HSET h field ?");
  EXPECT_EQ(ObfuscateRedis("LPUSH list a b c"), "LPUSH list ?");
  EXPECT_EQ(ObfuscateRedis("MSET a 1 b 2"), "MSET a ? b ?");
  EXPECT_EQ(ObfuscateRedis("ZADD z NX 1 m1 2 m2"), "ZADD z NX 1 ? 2 ?");
  EXPECT_EQ(ObfuscateRedis("GET key"), "GET key");
  EXPECT_EQ(ObfuscateRedis("SET \"a b\" \"c d\"\nGET x"), "SET \"a b\" ?\nGET x");
  EXPECT_EQ(ObfuscateRedis("CONFIG SET requirepass pw"), "CONFIG SET requirepass ?");
}

TEST(MemcachedSanitizer, DataBlockGoes) {
  EXPECT_EQ(ObfuscateMemcached("set mykey 0 60 5\r\nsecret\r\n"), "set mykey 0 60 5");
  EXPECT_EQ(ObfuscateMemcached(" get k "), "get k");
}

TEST(JsonSanitizer, ValuesGoStructureStays) {
  EXPECT_EQ(ObfuscateJson(R"({"find":"users","filter":{"name":"john"}})"),
            R"({"find":"?","filter":{"name":"?"}})");
  EXPECT_EQ(ObfuscateJson(R"( { "a" : [1, true, null, "x\"y"], "b": {} } )"),
            R"({"a":["?","?","?","?"],"b":{}})");
  EXPECT_EQ(ObfuscateJson("not json"), "not json");
  EXPECT_EQ(ObfuscateJson(R"({"a": )"), R"({"a": )");
  EXPECT_EQ(ObfuscateJson(std::string(100, '[') + std::string(100, ']')),
            std::string(100, '[') + std::string(100, ']'));
}

}  // namespace
}  // namespace weir::processors::redaction
