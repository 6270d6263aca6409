// Tests of the `otlphttp` exporter: config decoding and validation, the conformance suite,
// end-to-end delivery to the real OTLP receiver over HTTP, and the answers of a scripted HTTP
// server (status codes, keep-alive, silence).
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "config/diagnostics.h"
#include "config/node.h"
#include "exporters/otlphttp/config.h"
#include "exporters/otlphttp/factory.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/rpc_status.h"
#include "pipeline/otlp/types.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/otlp/factory.h"
#include "receivers/otlp/receiver.h"
#include "tests/testing/conformance.h"
#include "tests/testing/otlp_client.h"
#include "tests/testing/sink_consumer.h"
#include "tests/testing/span_generator.h"
#include "tests/testing/test_certificate.h"
#include "yaml-cpp/yaml.h"

namespace weir::exporters::otlphttp {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

using ::testing::HasSubstr;
using ::testing::Not;
using weir::testing::FailingConsumer;
using weir::testing::MakeBatch;
using weir::testing::MakeRequest;
using weir::testing::RecordingHost;
using weir::testing::SinkConsumer;
using weir::testing::TestEnvironment;

constexpr char kPath[] = "exporters.otlphttp";

std::unique_ptr<Config> Decode(const std::string& yaml, config::Diagnostics* diagnostics) {
  return DecodeConfig(config::Node(YAML::Load(yaml), kPath, diagnostics));
}

// Decodes `yaml` and expects a problem reported at `key` (relative to the exporter) whose
// message contains `fragment`.
void ExpectProblem(const std::string& yaml, const std::string& key, const std::string& fragment) {
  config::Diagnostics diagnostics;
  Decode(yaml, &diagnostics);
  std::string all = diagnostics.ToString();
  EXPECT_THAT(all, HasSubstr(absl::StrCat(kPath, ".", key, ": "))) << yaml;
  EXPECT_THAT(all, HasSubstr(fragment)) << yaml;
}

// ---- Config ----

TEST(OtlpHttpExporterConfig, DefaultsWithOnlyAnEndpoint) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: http://collector:4318", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->endpoint, "http://collector:4318");
  EXPECT_EQ(cfg->traces_endpoint, "");
  EXPECT_EQ(cfg->traces_url.text, "http://collector:4318/v1/traces");
  EXPECT_FALSE(cfg->traces_url.https);
  EXPECT_EQ(cfg->traces_url.host, "collector");
  EXPECT_EQ(cfg->traces_url.port, 4318);
  EXPECT_EQ(cfg->traces_url.target, "/v1/traces");
  EXPECT_TRUE(cfg->headers.entries.empty());
  EXPECT_EQ(cfg->compression.algorithm, Compression::kGzip);
  EXPECT_EQ(cfg->encoding, Encoding::kProto);
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(30));
  EXPECT_TRUE(cfg->exporter.queue.enabled);
  EXPECT_EQ(cfg->exporter.queue.num_consumers, 10);
  EXPECT_EQ(cfg->exporter.queue.sizer, config::QueueSizer::kBytes);
  EXPECT_EQ(cfg->exporter.queue.Capacity(size_t{1} << 30), 32 << 20);
  EXPECT_TRUE(cfg->exporter.retry.enabled);
  EXPECT_EQ(cfg->exporter.retry.initial_interval, absl::Seconds(5));
  EXPECT_EQ(cfg->exporter.retry.randomization_factor, 0.5);
  EXPECT_EQ(cfg->exporter.retry.multiplier, 1.5);
  EXPECT_EQ(cfg->exporter.retry.max_interval, absl::Seconds(30));
  EXPECT_EQ(cfg->exporter.retry.max_elapsed_time, absl::Seconds(300));
}

TEST(OtlpHttpExporterConfig, TestdataDecodesToExactValues) {
  config::Diagnostics diagnostics;
  auto cfg = DecodeConfig(
      config::Node(YAML::LoadFile(WEIR_SOURCE_DIR "/exporters/otlphttp/testdata/config.yaml"),
                   kPath, &diagnostics));
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->endpoint, "https://collector.example.com:4318/otlp/");
  EXPECT_EQ(cfg->traces_endpoint, "https://traces.example.com/custom/v1/traces?tenant=acme");
  EXPECT_TRUE(cfg->traces_url.https);
  EXPECT_EQ(cfg->traces_url.host, "traces.example.com");
  EXPECT_EQ(cfg->traces_url.port, 443);
  EXPECT_EQ(cfg->traces_url.target, "/custom/v1/traces?tenant=acme");
  EXPECT_TRUE(cfg->tls.insecure_skip_verify);
  EXPECT_EQ(cfg->tls.server_name_override, "traces.internal");
  EXPECT_EQ(cfg->headers.entries, (std::map<std::string, std::string>{
                                      {"X-Tenant", "acme"}, {"Authorization", "Bearer s3cret"}}));
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
  EXPECT_EQ(cfg->encoding, Encoding::kJson);
  EXPECT_EQ(cfg->exporter.timeout, absl::Seconds(12));
  EXPECT_FALSE(cfg->exporter.queue.enabled);
  EXPECT_EQ(cfg->exporter.queue.num_consumers, 2);
  EXPECT_EQ(cfg->exporter.queue.queue_size, 50);
  EXPECT_TRUE(cfg->exporter.retry.enabled);
  EXPECT_EQ(cfg->exporter.retry.initial_interval, absl::Seconds(1));
  EXPECT_EQ(cfg->exporter.retry.randomization_factor, 0);
  EXPECT_EQ(cfg->exporter.retry.multiplier, 3);
  EXPECT_EQ(cfg->exporter.retry.max_interval, absl::Seconds(20));
  EXPECT_EQ(cfg->exporter.retry.max_elapsed_time, absl::Minutes(2));
}

TEST(OtlpHttpExporterConfig, ComposesTheTracesUrl) {
  struct Case {
    std::string yaml;
    bool https;
    std::string host;
    int port;
    std::string target;
  } cases[] = {
      {"endpoint: http://c:4318", false, "c", 4318, "/v1/traces"},
      {"endpoint: http://c:4318/", false, "c", 4318, "/v1/traces"},
      {"endpoint: http://c:4318/otlp", false, "c", 4318, "/otlp/v1/traces"},
      {"endpoint: http://c:4318/otlp/", false, "c", 4318, "/otlp/v1/traces"},
      {"endpoint: https://c", true, "c", 443, "/v1/traces"},
      {"endpoint: http://c", false, "c", 80, "/v1/traces"},
      {"endpoint: http://[::1]:4318", false, "::1", 4318, "/v1/traces"},
      {"traces_endpoint: http://t:9/custom?x=1", false, "t", 9, "/custom?x=1"},
      {"traces_endpoint: http://t:9", false, "t", 9, "/"},
      {"endpoint: http://c:4318\ntraces_endpoint: https://t/x", true, "t", 443, "/x"},
  };
  for (const Case& c : cases) {
    config::Diagnostics diagnostics;
    auto cfg = Decode(c.yaml, &diagnostics);
    ASSERT_TRUE(diagnostics.ok()) << c.yaml << "\n" << diagnostics.ToString();
    EXPECT_EQ(cfg->traces_url.https, c.https) << c.yaml;
    EXPECT_EQ(cfg->traces_url.host, c.host) << c.yaml;
    EXPECT_EQ(cfg->traces_url.port, c.port) << c.yaml;
    EXPECT_EQ(cfg->traces_url.target, c.target) << c.yaml;
  }
}

TEST(OtlpHttpExporterConfig, EncodingAndCompressionChoices) {
  config::Diagnostics diagnostics;
  auto cfg = Decode("endpoint: http://c:1\nencoding: json\ncompression: none", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->encoding, Encoding::kJson);
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
  cfg = Decode("endpoint: http://c:1\nencoding: proto\ncompression: \"\"", &diagnostics);
  ASSERT_TRUE(diagnostics.ok()) << diagnostics.ToString();
  EXPECT_EQ(cfg->encoding, Encoding::kProto);
  EXPECT_EQ(cfg->compression.algorithm, Compression::kNone);
}

TEST(OtlpHttpExporterConfig, RequiresEndpointOrTracesEndpoint) {
  ExpectProblem("timeout: 1s", "endpoint", "required");
  ExpectProblem("endpoint: \"\"\ntraces_endpoint: \"\"", "endpoint", "required");
}

TEST(OtlpHttpExporterConfig, RejectsBadUrls) {
  ExpectProblem("endpoint: collector:4318", "endpoint", "http:// or https://");
  ExpectProblem("endpoint: ftp://collector", "endpoint", "http:// or https://");
  ExpectProblem("endpoint: http://collector:99999", "endpoint", "port");
  ExpectProblem("endpoint: http://collector:0", "endpoint", "port");
  ExpectProblem("endpoint: http://:4318", "endpoint", "missing host");
  ExpectProblem("endpoint: http://user:pw@collector", "endpoint", "credentials");
  ExpectProblem("endpoint: http://[::1", "endpoint", "IPv6");
  ExpectProblem("endpoint: http://c/a b", "endpoint", "space");
  ExpectProblem("traces_endpoint: c:4318/v1/traces", "traces_endpoint", "http:// or https://");
}

TEST(OtlpHttpExporterConfig, RejectsUnknownChoicesListingThem) {
  ExpectProblem("endpoint: http://c:1\ncompression: zstd", "compression", "supported: gzip, none");
  ExpectProblem("endpoint: http://c:1\nencoding: xml", "encoding", "supported: proto, json");
}

TEST(OtlpHttpExporterConfig, RejectsBadHeaders) {
  ExpectProblem("endpoint: http://c:1\nheaders: {\"bad name\": x}", "headers.bad name",
                "invalid HTTP header name");
  ExpectProblem("endpoint: http://c:1\nheaders: {Content-Type: text/plain}", "headers.Content-Type",
                "set by the exporter");
  ExpectProblem("endpoint: http://c:1\nheaders: {X-A: \"a\\r\\nX-B: b\"}", "headers.X-A", "CR, LF");
}

TEST(OtlpHttpExporterConfig, ValidatesTlsBlock) {
  ExpectProblem("endpoint: https://c\ntls: {ca_file: /nonexistent/ca.pem}", "tls.ca_file",
                "cannot read");
  ExpectProblem("endpoint: https://c\ntls: {verify: true}", "tls.verify", "unknown");
}

TEST(OtlpHttpExporterConfig, ValidatesHelperKeys) {
  ExpectProblem("endpoint: http://c:1\ntimeout: 0s", "timeout", "greater than 0");
  ExpectProblem("endpoint: http://c:1\nsending_queue: {queue_size: -3}", "sending_queue.queue_size",
                "at least 1");
}

TEST(OtlpHttpExporterConfig, ValidatesRetryOnFailure) {
  ExpectProblem("endpoint: http://c:1\nretry_on_failure: {randomization_factor: -0.1}",
                "retry_on_failure.randomization_factor", "[0, 1]");
  ExpectProblem("endpoint: http://c:1\nretry_on_failure: {multiplier: nan}",
                "retry_on_failure.multiplier", "non-negative");
  ExpectProblem(
      "endpoint: http://c:1\nretry_on_failure: {initial_interval: 1m, max_elapsed_time: 30s}",
      "retry_on_failure.max_elapsed_time", "initial_interval");
  ExpectProblem("endpoint: http://c:1\nretry_on_failure: {max_interval: 3s2}",
                "retry_on_failure.max_interval", "duration");
}

TEST(OtlpHttpExporterConfig, AcceptsOtelcolKeysItIgnores) {
  config::Diagnostics diagnostics;
  Decode(
      "endpoint: http://c:1\nread_buffer_size: 1\nwrite_buffer_size: 1\nmax_idle_conns: 5\n"
      "idle_conn_timeout: 10s\nauth: {authenticator: basicauth}",
      &diagnostics);
  EXPECT_TRUE(diagnostics.ok()) << diagnostics.ToString();
}

TEST(OtlpHttpExporterConfig, RejectsUnknownKeysWithTheirPath) {
  ExpectProblem("endpoint: http://c:1\nlogs_endpoint: http://c:1/v1/logs", "logs_endpoint",
                "unknown");
}

TEST(OtlpHttpExporterFactory, NamesAndAlias) {
  Factory factory;
  EXPECT_EQ(factory.type(), "otlphttp");
  EXPECT_THAT(factory.aliases(), ::testing::ElementsAre("otlp_http"));
}

// ---- Conformance ----

TEST(OtlpHttpExporter, Conformance) {
  testing::RunExporterConformance(
      Factory(), "endpoint: http://127.0.0.1:1\nretry_on_failure: {enabled: false}");
}

// ---- Helpers for the behaviour tests ----

// The value of an exporter metric labelled exporter=`exporter`, or -1 when absent.
double ExporterMetric(telemetry::Telemetry& telemetry, const std::string& name,
                      const std::string& exporter) {
  for (const auto& family : telemetry.registry().Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "exporter" && label.value == exporter) {
          return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                                : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

// A scripted HTTP/1.1 server on 127.0.0.1, plaintext or TLS: answers every request with the
// same reply (or never), records what it received and counts connections. Runs on its own
// thread.
class FakeHttpServer {
 public:
  struct Reply {
    unsigned status = 200;
    std::string content_type = "application/x-protobuf";
    std::string body{};
    bool answer = true;        // false: read requests, never answer
    bool close_after = false;  // close the connection after answering, without saying so
  };
  enum class Tls { kNone, kServer, kMutual };
  struct Received {
    std::string target;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;
    std::string sni;  // TLS server name indication; "" without TLS or without SNI
  };

  explicit FakeHttpServer(Reply reply, Tls tls = Tls::kNone)
      : reply_(std::move(reply)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    if (tls != Tls::kNone) {
      tls_.emplace(ssl::context::tls_server);
      tls_->use_certificate_chain(asio::buffer(testing::SelfSignedCertificate().cert_pem));
      tls_->use_private_key(asio::buffer(testing::SelfSignedCertificate().key_pem),
                            ssl::context::pem);
      if (tls == Tls::kMutual) {
        tls_->add_certificate_authority(asio::buffer(testing::SelfSignedCertificate().cert_pem));
        tls_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    }
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeHttpServer() {
    io_.stop();
    thread_.join();
  }

  int port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port()); }
  int connections() const { return connections_; }
  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  template <typename Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    template <typename... Args>
    Session(FakeHttpServer* server, Args&&... args)
        : server(server), stream(std::forward<Args>(args)...) {}

    void Start() {
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        Read();
      } else {
        stream.async_handshake(
            ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
              if (ec) return;
              const char* name =
                  SSL_get_servername(self->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
              self->sni = name == nullptr ? "" : name;
              self->Read();
            });
      }
    }

    void Read() {
      request = {};
      http::async_read(stream, buffer, request,
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (!ec) self->OnRequest();
                       });
    }

    void OnRequest() {
      server->Record(request, sni);
      const Reply& reply = server->reply_;
      if (!reply.answer) {
        Read();  // keeps the connection open and silent
        return;
      }
      response = {};
      response.version(11);
      response.result(reply.status);
      response.set(http::field::content_type, reply.content_type);
      response.body() = reply.body;
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::async_write(
          stream, response, [self = this->shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return;
            if (self->server->reply_.close_after || !self->response.keep_alive()) {
              beast::error_code ignored;
              self->stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
              self->stream.lowest_layer().close(ignored);
              return;
            }
            self->Read();
          });
    }

    FakeHttpServer* server;
    Stream stream;
    std::string sni;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++connections_;
      if (tls_) {
        std::make_shared<Session<ssl::stream<tcp::socket>>>(this, std::move(socket), *tls_)
            ->Start();
      } else {
        std::make_shared<Session<tcp::socket>>(this, std::move(socket))->Start();
      }
      Accept();
    });
  }

  void Record(const http::request<http::string_body>& request, const std::string& sni) {
    Received r;
    r.target = std::string(request.target());
    for (const auto& field : request) {
      r.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    r.body = request.body();
    r.sni = sni;
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back(std::move(r));
  }

  const Reply reply_;
  asio::io_context io_;
  std::optional<ssl::context> tls_;
  tcp::acceptor acceptor_;
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<Received> received_;
  std::thread thread_;
};

class OtlpHttpExporterTest : public ::testing::Test {
 protected:
  // Starts the OTLP receiver (HTTP only) on a free port, delivering to `next`; returns its
  // base URL.
  std::string StartReceiver(pipeline::TracesConsumer& next) {
    receivers::otlp::Factory factory;
    auto cfg = testing::DecodeOrFail(factory, "protocols:\n  http:\n    endpoint: 127.0.0.1:0\n");
    auto created = factory.CreateTraces(env_.SettingsFor("otlp/in"), *cfg, next);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return "";
    receiver_ = std::move(*created);
    EXPECT_TRUE(receiver_->Start(host_).ok());
    auto* concrete = dynamic_cast<receivers::otlp::Receiver*>(receiver_.get());
    EXPECT_NE(concrete, nullptr);
    return concrete == nullptr ? "" : absl::StrCat("http://", concrete->http_address());
  }

  // Creates and starts an `otlphttp` exporter sending synchronously (no queue), so each
  // ConsumeTraces returns the send's result. `yaml` adds keys.
  void StartExporter(const std::string& endpoint, const std::string& yaml = "") {
    auto cfg = testing::DecodeOrFail(
        factory_,
        absl::StrCat("endpoint: ", endpoint,
                     "\nsending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n",
                     yaml));
    ASSERT_NE(cfg, nullptr);
    auto created = factory_.CreateTraces(env_.SettingsFor("otlphttp"), *cfg);
    ASSERT_TRUE(created.ok()) << created.status();
    exporter_ = std::move(*created);
    ASSERT_TRUE(exporter_->Start(host_).ok());
  }

  double Metric(const std::string& name) {
    return ExporterMetric(env_.telemetry, name, "otlphttp");
  }

  // Exports three batches of different shapes and checks the sink got exactly those spans.
  void ExpectDelivered(SinkConsumer& sink) {
    pipeline::TraceBatch expected;
    std::vector<pipeline::TraceBatch> batches;
    batches.push_back(MakeBatch(5, 1));
    batches.push_back(pipeline::TraceBatch::FromRequest(MakeRequest(2, 2, 3, 2)));
    batches.push_back(MakeBatch(1, 3));
    size_t total = 0;
    for (auto& b : batches) {
      total += b.span_count();
      expected.Append(b.Clone());
      absl::Status s = exporter_->ConsumeTraces(std::move(b));
      ASSERT_TRUE(s.ok()) << s;
    }
    ASSERT_TRUE(sink.WaitForSpans(total, std::chrono::seconds(10)));
    EXPECT_EQ(sink.span_count(), total);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(sink.Merged().ToRequest(),
                                                                   expected.ToRequest()));
    EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), static_cast<double>(total));
    EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  }

  void TearDown() override {
    if (exporter_) exporter_->Shutdown(absl::Now() + absl::Seconds(5));
    if (receiver_) receiver_->Shutdown(absl::Now() + absl::Seconds(5));
  }

  TestEnvironment env_;
  RecordingHost host_;
  SinkConsumer sink_;
  Factory factory_;
  std::unique_ptr<pipeline::Component> receiver_;
  std::unique_ptr<pipeline::TracesExporter> exporter_;
};

// ---- End to end against the real OTLP receiver ----

class OtlpHttpExporterEndToEnd
    : public OtlpHttpExporterTest,
      public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {};

TEST_P(OtlpHttpExporterEndToEnd, DeliversEverySpan) {
  auto [encoding, compression] = GetParam();
  std::string url = StartReceiver(sink_);
  StartExporter(url, absl::StrCat("encoding: ", encoding, "\ncompression: ", compression, "\n"));
  ExpectDelivered(sink_);
}

INSTANTIATE_TEST_SUITE_P(EncodingsAndCompressions, OtlpHttpExporterEndToEnd,
                         ::testing::Combine(::testing::Values("proto", "json"),
                                            ::testing::Values("gzip", "none")));

TEST_F(OtlpHttpExporterTest, DeliversToAHostName) {
  std::string url = StartReceiver(sink_);
  std::string port = url.substr(url.rfind(':') + 1);
  StartExporter(absl::StrCat("http://localhost:", port));
  ExpectDelivered(sink_);
}

TEST_F(OtlpHttpExporterTest, DeliversThroughTheQueue) {
  std::string url = StartReceiver(sink_);
  auto cfg = testing::DecodeOrFail(factory_, absl::StrCat("endpoint: ", url, "\n"));
  auto created = factory_.CreateTraces(env_.SettingsFor("otlphttp"), *cfg);
  ASSERT_TRUE(created.ok());
  exporter_ = std::move(*created);
  ASSERT_TRUE(exporter_->Start(host_).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(exporter_->ConsumeTraces(MakeBatch(2, i + 1)).ok());
  exporter_->Shutdown(absl::Now() + absl::Seconds(10));
  EXPECT_EQ(sink_.span_count(), 60u);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 60);
}

TEST_F(OtlpHttpExporterTest, PartialSuccessFromTheReceiverStillCountsAsSent) {
  std::string url = StartReceiver(sink_);
  StartExporter(url, "encoding: json\n");
  weir::otlp::ExportRequest request = MakeRequest(1, 1, 4);
  // An all-zero span id is well-formed JSON but an invalid span, so the receiver drops it and
  // says so in partial_success.
  request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(2)->set_span_id(
      std::string(8, '\0'));
  absl::Status s = exporter_->ConsumeTraces(pipeline::TraceBatch::FromRequest(request));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(sink_.span_count(), 3u);
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 4);
}

TEST_F(OtlpHttpExporterTest, RefusingPipelineGivesUnavailable) {
  FailingConsumer refusing(absl::UnavailableError("pipeline is full"));
  std::string url = StartReceiver(refusing);
  StartExporter(url);
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(7));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("503"));
  EXPECT_THAT(s.message(), HasSubstr("pipeline is full"));
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 7);
}

// ---- Against a scripted server ----

TEST_F(OtlpHttpExporterTest, PostsTheBatchWithItsHeadersOnOneKeptAliveConnection) {
  FakeHttpServer server({});
  StartExporter(server.url(), absl::StrCat("traces_endpoint: ", server.url(),
                                           "/custom/path?tenant=a\n"
                                           "headers: {X-Tenant: acme, User-Agent: custom/1}\n"));
  std::vector<std::string> sent;
  for (int i = 1; i <= 3; ++i) {
    pipeline::TraceBatch batch = MakeBatch(i, i);
    sent.push_back(batch.ToProtoBytes());
    absl::Status s = exporter_->ConsumeTraces(std::move(batch));
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(server.connections(), 1);
  std::vector<FakeHttpServer::Received> received = server.received();
  ASSERT_EQ(received.size(), 3u);
  for (size_t i = 0; i < received.size(); ++i) {
    const auto& r = received[i];
    EXPECT_EQ(r.target, "/custom/path?tenant=a");
    EXPECT_EQ(r.headers.at("content-type"), "application/x-protobuf");
    EXPECT_EQ(r.headers.at("content-encoding"), "gzip");
    EXPECT_EQ(r.headers.at("x-tenant"), "acme");
    EXPECT_EQ(r.headers.at("user-agent"), "custom/1");
    absl::StatusOr<std::string> body = net::Gunzip(r.body, 1 << 20);
    ASSERT_TRUE(body.ok()) << body.status();
    EXPECT_EQ(*body, sent[i]);
  }
}

TEST_F(OtlpHttpExporterTest, SendsJsonUncompressedWithTheDefaultUserAgent) {
  FakeHttpServer server({.content_type = "application/json", .body = "{}"});
  StartExporter(server.url(), "encoding: json\ncompression: none\n");
  pipeline::TraceBatch batch = MakeBatch(2);
  std::string expected;
  weir::otlp::AppendRequestJson(batch.ToRequest(), &expected);
  ASSERT_TRUE(exporter_->ConsumeTraces(std::move(batch)).ok());
  std::vector<FakeHttpServer::Received> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].target, "/v1/traces");
  EXPECT_EQ(received[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(received[0].headers.count("content-encoding"), 0u);
  EXPECT_EQ(received[0].headers.at("user-agent"), "weir");
  EXPECT_EQ(received[0].body, expected);
}

TEST_F(OtlpHttpExporterTest, ReconnectsWhenTheServerDroppedTheIdleConnection) {
  FakeHttpServer server({.close_after = true});
  StartExporter(server.url());
  for (int i = 0; i < 3; ++i) {
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(server.received().size(), 3u);
}

TEST_F(OtlpHttpExporterTest, PartialSuccessAnswersAreOk) {
  weir::otlp::ExportResponse response;
  response.mutable_partial_success()->set_rejected_spans(1);
  response.mutable_partial_success()->set_error_message("span too old");
  FakeHttpServer proto_server({.body = response.SerializeAsString()});
  StartExporter(proto_server.url());
  EXPECT_TRUE(exporter_->ConsumeTraces(MakeBatch(3)).ok());
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));

  FakeHttpServer json_server(
      {.content_type = "application/json", .body = weir::otlp::ResponseToJson(response)});
  StartExporter(json_server.url(), "encoding: json\n");
  EXPECT_TRUE(exporter_->ConsumeTraces(MakeBatch(3)).ok());
}

TEST_F(OtlpHttpExporterTest, StatusCodesMapToRetryableOrPermanentErrors) {
  struct Case {
    unsigned status;
    absl::StatusCode code;
  } cases[] = {
      {429, absl::StatusCode::kResourceExhausted}, {502, absl::StatusCode::kUnavailable},
      {503, absl::StatusCode::kUnavailable},       {504, absl::StatusCode::kUnavailable},
      {500, absl::StatusCode::kUnavailable},       {400, absl::StatusCode::kInvalidArgument},
      {401, absl::StatusCode::kInvalidArgument},   {404, absl::StatusCode::kInvalidArgument},
      {413, absl::StatusCode::kInvalidArgument},
  };
  double failed = 0;
  for (const Case& c : cases) {
    FakeHttpServer server({.status = c.status, .content_type = "text/plain", .body = "nope\n"});
    StartExporter(server.url());
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
    failed += 2;
    EXPECT_EQ(s.code(), c.code) << c.status << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(server.url(), "/v1/traces: HTTP ", c.status)));
    EXPECT_THAT(s.message(), HasSubstr(": nope"));
    EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), failed);
    exporter_->Shutdown(absl::Now() + absl::Seconds(1));
    exporter_.reset();
  }
  EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), 0);
}

TEST_F(OtlpHttpExporterTest, ErrorMessagesQuoteAtMost200BytesOfTheBody) {
  FakeHttpServer server(
      {.status = 400, .content_type = "text/plain", .body = std::string(500, 'x')});
  StartExporter(server.url());
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(std::string(200, 'x')));
  EXPECT_THAT(s.message(), Not(HasSubstr(std::string(201, 'x'))));
}

TEST_F(OtlpHttpExporterTest, ErrorMessagesShowTheRpcStatusOfAProtobufBody) {
  FakeHttpServer server(
      {.status = 400,
       .body = otlp::EncodeRpcStatusProto(weir::otlp::kRpcInvalidArgument, "bad trace id")});
  StartExporter(server.url());
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("HTTP 400 Bad Request: bad trace id"));
}

TEST_F(OtlpHttpExporterTest, SilentServerFailsWithDeadlineExceededAtTheTimeout) {
  FakeHttpServer server({.answer = false});
  StartExporter(server.url(), "timeout: 300ms\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(3));
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(server.url()));
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Milliseconds(300) + absl::Seconds(2));
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 3);
  // The timed-out connection is not reused: the next send opens a new one.
  EXPECT_FALSE(exporter_->ConsumeTraces(MakeBatch(1)).ok());
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(OtlpHttpExporterTest, ClosedPortFailsFastAsUnavailableNamingTheUrl) {
  std::string url = absl::StrCat("http://127.0.0.1:", testing::FreePort());
  StartExporter(url, "timeout: 3s\n");
  absl::Time start = absl::Now();
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(4));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat(url, "/v1/traces")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 4);
}

TEST_F(OtlpHttpExporterTest, TlsAgainstAPlaintextServerFails) {
  FakeHttpServer server({});
  std::string https = "https" + server.url().substr(4);
  StartExporter(https, "timeout: 3s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(1));
  EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("TLS handshake"));
}

// ---- TLS ----

std::string TlsYaml(const std::string& keys) {
  return absl::StrCat("tls: {", keys, "}\ntimeout: 3s\n");
}

TEST_F(OtlpHttpExporterTest, TlsTrustingTheServersCaDeliversWithSni) {
  FakeHttpServer server({}, FakeHttpServer::Tls::kServer);
  StartExporter(absl::StrCat("https://localhost:", server.port()),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file)));
  for (int i = 0; i < 2; ++i) {
    absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
    ASSERT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(server.connections(), 1);
  std::vector<FakeHttpServer::Received> received = server.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].sni, "localhost");
  EXPECT_EQ(received[0].headers.at("host"), absl::StrCat("localhost:", server.port()));
}

TEST_F(OtlpHttpExporterTest, TlsToAnAddressSendsNoSni) {
  FakeHttpServer server({}, FakeHttpServer::Tls::kServer);
  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file)));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].sni, "");
}

TEST_F(OtlpHttpExporterTest, TlsRefusesAnUntrustedServer) {
  FakeHttpServer server({}, FakeHttpServer::Tls::kServer);
  StartExporter(absl::StrCat("https://localhost:", server.port()), "timeout: 3s\n");
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("TLS handshake"));
  EXPECT_TRUE(server.received().empty());
}

TEST_F(OtlpHttpExporterTest, TlsSkipVerifyAcceptsAnUntrustedServer) {
  FakeHttpServer server({}, FakeHttpServer::Tls::kServer);
  StartExporter(absl::StrCat("https://localhost:", server.port()),
                TlsYaml("insecure_skip_verify: true"));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
}

TEST_F(OtlpHttpExporterTest, TlsServerNameOverrideIsSentAndVerified) {
  FakeHttpServer server({}, FakeHttpServer::Tls::kServer);
  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", server_name_override: localhost")));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(server.received()[0].sni, "localhost");
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));

  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", server_name_override: elsewhere.example")));
  s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
}

TEST_F(OtlpHttpExporterTest, MutualTlsPresentsTheClientCertificate) {
  FakeHttpServer server({}, FakeHttpServer::Tls::kMutual);
  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", cert_file: ", testing::SelfSignedCertificate().cert_file,
                                     ", key_file: ", testing::SelfSignedCertificate().key_file)));
  absl::Status s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_TRUE(s.ok()) << s;
  exporter_->Shutdown(absl::Now() + absl::Seconds(1));

  StartExporter(server.url(),
                TlsYaml(absl::StrCat("ca_file: ", testing::SelfSignedCertificate().cert_file)));
  s = exporter_->ConsumeTraces(MakeBatch(2));
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace weir::exporters::otlphttp
