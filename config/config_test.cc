#include <cstdlib>

#include "config/blocks.h"
#include "config/loader.h"
#include "config/node.h"
#include "gtest/gtest.h"

namespace weir::config {
namespace {

TEST(ExpandEnv, ExpandsAllForms) {
  setenv("WEIR_TEST_HOST", "collector", 1);
  unsetenv("WEIR_TEST_UNSET");
  std::string out, error;
  ASSERT_TRUE(ExpandEnv("${env:WEIR_TEST_HOST}:4317", &out, &error));
  EXPECT_EQ(out, "collector:4317");
  ASSERT_TRUE(ExpandEnv("${WEIR_TEST_HOST}", &out, &error));
  EXPECT_EQ(out, "collector");
  ASSERT_TRUE(ExpandEnv("${env:WEIR_TEST_UNSET:-fallback}", &out, &error));
  EXPECT_EQ(out, "fallback");
  ASSERT_TRUE(ExpandEnv("${env:WEIR_TEST_UNSET}", &out, &error));
  EXPECT_EQ(out, "");
  ASSERT_TRUE(ExpandEnv("price: $$5 and $PATH", &out, &error));
  EXPECT_EQ(out, "price: $5 and $PATH");
  EXPECT_FALSE(ExpandEnv("${env:OPEN", &out, &error));
  EXPECT_FALSE(ExpandEnv("${bad name}", &out, &error));
}

TEST(ParseGoDuration, AcceptsGoSyntax) {
  absl::Duration d;
  ASSERT_TRUE(ParseGoDuration("1m30s", &d));
  EXPECT_EQ(d, absl::Seconds(90));
  ASSERT_TRUE(ParseGoDuration("250ms", &d));
  EXPECT_EQ(d, absl::Milliseconds(250));
  ASSERT_TRUE(ParseGoDuration("0", &d));
  EXPECT_EQ(d, absl::ZeroDuration());
  EXPECT_FALSE(ParseGoDuration("5", &d));
  EXPECT_FALSE(ParseGoDuration("soon", &d));
  EXPECT_FALSE(ParseGoDuration("inf", &d));
}

TEST(Node, ReadsTypedValuesAndReportsPathsAndLines) {
  Diagnostics d;
  YAML::Node doc = YAML::Load(
      "a:\n  count: 3\n  name: x\n  on: true\n  wait: 2s\n"
      "  list: [p, q]\n  headers: {k: v}\n  bad_int: 1.5\n  typo: 1\n");
  Node root(doc, "", &d);
  Node a = root.Child("a");
  int count = 0;
  std::string name;
  bool on = false;
  absl::Duration wait;
  std::vector<std::string> list;
  std::map<std::string, std::string> headers;
  int64_t bad = 0;
  EXPECT_TRUE(a.Read("count", &count));
  EXPECT_TRUE(a.Read("name", &name));
  EXPECT_TRUE(a.Read("on", &on));
  EXPECT_TRUE(a.Read("wait", &wait));
  EXPECT_TRUE(a.Read("list", &list));
  EXPECT_TRUE(a.Read("headers", &headers));
  EXPECT_FALSE(a.Read("bad_int", &bad));
  std::string missing;
  EXPECT_FALSE(a.ReadRequired("missing", &missing));
  a.RejectUnknownKeys();
  root.RejectUnknownKeys();
  EXPECT_EQ(count, 3);
  EXPECT_EQ(name, "x");
  EXPECT_TRUE(on);
  EXPECT_EQ(wait, absl::Seconds(2));
  EXPECT_EQ(list, (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(headers.at("k"), "v");
  ASSERT_EQ(d.problems().size(), 3u) << d.ToString();
  EXPECT_EQ(FormatProblem(d.problems()[0]), "a.bad_int: expected an integer, got \"1.5\" (line 8)");
  EXPECT_EQ(d.problems()[1].path, "a.missing");
  EXPECT_EQ(d.problems()[1].message, "required");
  EXPECT_EQ(FormatProblem(d.problems()[2]), "a.typo: unknown key (line 9)");
}

TEST(Node, WrongShapesAreReported) {
  Diagnostics d;
  Node root(YAML::Load("list: notalist\nmap: [1]\nflag: maybe\n"), "x", &d);
  std::vector<std::string> list;
  std::map<std::string, std::string> map;
  bool flag;
  root.Read("list", &list);
  root.Read("map", &map);
  root.Read("flag", &flag);
  ASSERT_EQ(d.problems().size(), 3u);
  EXPECT_EQ(d.problems()[0].path, "x.list");
  EXPECT_EQ(d.problems()[1].path, "x.map");
  EXPECT_EQ(d.problems()[2].path, "x.flag");
}

TEST(Node, EnvExpansionAppliesToValues) {
  setenv("WEIR_TEST_PORT", "9999", 1);
  Diagnostics d;
  Node root(YAML::Load("endpoint: localhost:${env:WEIR_TEST_PORT}\nsize: ${WEIR_TEST_PORT}"), "r",
            &d);
  std::string endpoint;
  int size = 0;
  ASSERT_TRUE(ReadEndpoint(root, "endpoint", &endpoint));
  ASSERT_TRUE(root.Read("size", &size));
  EXPECT_EQ(endpoint, "localhost:9999");
  EXPECT_EQ(size, 9999);
}

TEST(HostPort, Parses) {
  HostPort hp;
  std::string error;
  ASSERT_TRUE(ParseHostPort("localhost:4317", &hp, &error));
  EXPECT_EQ(hp.host, "localhost");
  EXPECT_EQ(hp.port, 4317);
  ASSERT_TRUE(ParseHostPort("[::1]:80", &hp, &error));
  EXPECT_EQ(hp.host, "::1");
  ASSERT_TRUE(ParseHostPort(":0", &hp, &error));
  EXPECT_EQ(hp.host, "");
  EXPECT_FALSE(ParseHostPort("localhost", &hp, &error));
  EXPECT_FALSE(ParseHostPort("localhost:70000", &hp, &error));
  EXPECT_FALSE(ParseHostPort("localhost:http", &hp, &error));
}

TEST(CompressionConfig, DefaultsToGzipAndChecksTheLevel) {
  Diagnostics d;
  Node defaults(YAML::Load("{}"), "exporters.x", &d);
  CompressionConfig c;
  c.Decode(defaults);
  EXPECT_TRUE(c.gzip());
  EXPECT_EQ(c.level, -1);

  Node node(YAML::Load("compression: none\ncompression_params: {level: 10}"), "exporters.x", &d);
  c.Decode(node);
  EXPECT_EQ(c.algorithm, Compression::kNone);
  ASSERT_EQ(d.problems().size(), 1u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "exporters.x.compression_params.level");
}

TEST(HeadersConfig, GrpcMetadataKeysAreLowercasedHttpNamesKept) {
  Diagnostics d;
  Node node(YAML::Load("headers: {X-Tenant: acme}"), "exporters.x", &d);
  HeadersConfig grpc;
  grpc.Decode(node, HeaderSyntax::kGrpcMetadata);
  EXPECT_EQ(grpc.entries, (std::map<std::string, std::string>{{"x-tenant", "acme"}}));
  HeadersConfig http;
  http.Decode(node, HeaderSyntax::kHttp);
  EXPECT_EQ(http.entries, (std::map<std::string, std::string>{{"X-Tenant", "acme"}}));
  EXPECT_TRUE(d.problems().empty()) << d.ToString();
}

TEST(HeadersConfig, EachSyntaxRefusesItsReservedNames) {
  Diagnostics d;
  Node node(YAML::Load("headers: {grpc-timeout: 1S, Content-Type: text/plain}"), "exporters.x", &d);
  HeadersConfig grpc;
  grpc.Decode(node, HeaderSyntax::kGrpcMetadata);
  HeadersConfig http;
  http.Decode(node, HeaderSyntax::kHttp);
  ASSERT_EQ(d.problems().size(), 2u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "exporters.x.headers.grpc-timeout");
  EXPECT_EQ(d.problems()[1].path, "exporters.x.headers.Content-Type");
  EXPECT_EQ(grpc.entries.count("content-type"), 1u);
  EXPECT_EQ(http.entries.count("grpc-timeout"), 1u);
}

TEST(Loader, MergesFilesInOrder) {
  YAML::Node base = YAML::Load("a: {x: 1, y: 2}\nlist: [1, 2]\nkeep: k");
  YAML::Node overlay = YAML::Load("a: {y: 3, z: 4}\nlist: [9]");
  YAML::Node merged = Merge(base, overlay);
  EXPECT_EQ(merged["a"]["x"].as<int>(), 1);
  EXPECT_EQ(merged["a"]["y"].as<int>(), 3);
  EXPECT_EQ(merged["a"]["z"].as<int>(), 4);
  EXPECT_EQ(merged["list"].size(), 1u);
  EXPECT_EQ(merged["keep"].as<std::string>(), "k");
}

TEST(Loader, ReportsSyntaxErrorsWithLine) {
  Diagnostics d;
  LoadString("a: 1\nb: [unclosed\n", "broken.yaml", &d);
  ASSERT_EQ(d.problems().size(), 1u);
  EXPECT_EQ(d.problems()[0].path, "broken.yaml");
  EXPECT_GT(d.problems()[0].line, 0);
}

TEST(Loader, ReportsMissingFile) {
  Diagnostics d;
  LoadFiles({"/nonexistent/weir.yaml"}, &d);
  ASSERT_EQ(d.problems().size(), 1u);
  EXPECT_EQ(d.problems()[0].path, "/nonexistent/weir.yaml");
}

TEST(QueueConfig, ValidatesEachKey) {
  Diagnostics d;
  QueueConfig q;
  q.Decode(Node(YAML::Load("num_consumers: 0\nqueue_size: 0\nenable: true"), "q", &d));
  ASSERT_EQ(d.problems().size(), 3u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "q.num_consumers");
  EXPECT_EQ(d.problems()[1].path, "q.queue_size");
  EXPECT_EQ(d.problems()[2].path, "q.enable");
}

TEST(QueueConfig, SizerDefaultsFollowWhatIsSet) {
  auto decode = [](const char* yaml) {
    Diagnostics d;
    QueueConfig q;
    q.Decode(Node(YAML::Load(yaml), "q", &d));
    EXPECT_TRUE(d.ok()) << d.ToString();
    return q;
  };
  // Nothing set: bytes, a quarter of the memory budget up to 32 MiB.
  QueueConfig q = decode("enabled: true");
  EXPECT_EQ(q.sizer, QueueSizer::kBytes);
  EXPECT_EQ(q.Capacity(size_t{1} << 30), 32 << 20);
  EXPECT_EQ(q.Capacity(size_t{40} << 20), 10 << 20);
  // queue_size alone counts requests, as in otelcol.
  q = decode("queue_size: 50");
  EXPECT_EQ(q.sizer, QueueSizer::kRequests);
  EXPECT_EQ(q.Capacity(size_t{1} << 30), 50);
  q = decode("sizer: requests");
  EXPECT_EQ(q.Capacity(size_t{1} << 30), 1000);
  q = decode("sizer: items\nqueue_size: 5000");
  EXPECT_EQ(q.sizer, QueueSizer::kItems);
  EXPECT_EQ(q.Capacity(0), 5000);

  Diagnostics d;
  QueueConfig bad;
  bad.Decode(Node(YAML::Load("sizer: spans"), "q", &d));
  ASSERT_EQ(d.problems().size(), 1u);
  EXPECT_EQ(d.problems()[0].path, "q.sizer");
  EXPECT_NE(d.problems()[0].message.find("requests, items or bytes"), std::string::npos);
}

TEST(TlsClientConfig, RequiresCertAndKeyTogetherAndReadableFiles) {
  Diagnostics d;
  TlsClientConfig tls;
  tls.Decode(Node(YAML::Load("cert_file: /nonexistent/cert.pem"), "tls", &d));
  ASSERT_GE(d.problems().size(), 2u) << d.ToString();
  EXPECT_EQ(d.problems()[0].path, "tls.key_file");
}

}  // namespace
}  // namespace weir::config
