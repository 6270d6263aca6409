// The fixture shared by the otlphttp exporter's behaviour tests (exporter_test.cc and
// exporter_failures_test.cc): an `otlphttp` exporter built from YAML and started, its metrics,
// and the check that a FakeOtlpHttpServer received exactly the batches exported.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "exporters/otlphttp/factory.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "pipeline/otlp/types.h"
#include "pipeline/trace_batch.h"
#include "tests/testing/conformance.h"
#include "tests/testing/fake_otlp_http_server.h"
#include "tests/testing/span_generator.h"

namespace weir::exporters::otlphttp {

class OtlpHttpExporterTest : public ::testing::Test {
 protected:
  using FakeServer = testing::FakeOtlpHttpServer;

  // Creates and starts an `otlphttp` exporter sending synchronously (no queue, no retries), so
  // each ConsumeTraces returns the send's result. `yaml` adds keys.
  void StartExporter(const std::string& endpoint, const std::string& yaml = "") {
    StartQueuedExporter(
        endpoint,
        absl::StrCat("sending_queue: {enabled: false}\nretry_on_failure: {enabled: false}\n",
                     yaml));
  }

  // Creates and starts an `otlphttp` exporter with the defaults (a queue, retries on the test
  // environment's fake clock) and `yaml`.
  void StartQueuedExporter(const std::string& endpoint, const std::string& yaml = "") {
    auto cfg = testing::DecodeOrFail(factory_, absl::StrCat("endpoint: ", endpoint, "\n", yaml));
    ASSERT_NE(cfg, nullptr);
    auto created = factory_.CreateTraces(env_.SettingsFor("otlphttp"), *cfg);
    ASSERT_TRUE(created.ok()) << created.status();
    exporter_ = std::move(*created);
    ASSERT_TRUE(exporter_->Start(host_).ok());
  }

  double Metric(const std::string& name) { return env_.ExporterMetric(name, "otlphttp"); }

  // Exports three batches of different shapes and checks that `server` got exactly those
  // spans: one POST /v1/traces per batch with `content_type`, gzip-compressed or not.
  void ExpectDelivered(const FakeServer& server, const std::string& content_type, bool gzip) {
    std::vector<pipeline::TraceBatch> batches;
    batches.push_back(testing::MakeBatch(5, 1));
    batches.push_back(pipeline::TraceBatch::FromRequest(testing::MakeRequest(2, 2, 3, 2)));
    batches.push_back(testing::MakeBatch(1, 3));
    std::vector<weir::otlp::ExportRequest> expected;
    size_t total = 0;
    for (auto& b : batches) {
      total += b.span_count();
      expected.push_back(b.ToRequest());
      absl::Status s = exporter_->ConsumeTraces(std::move(b));
      ASSERT_TRUE(s.ok()) << s;
    }
    std::vector<FakeServer::Request> requests = server.requests();
    ASSERT_EQ(requests.size(), expected.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      const FakeServer::Request& r = requests[i];
      EXPECT_EQ(r.method, "POST");
      EXPECT_EQ(r.path, "/v1/traces");
      EXPECT_EQ(r.Header("content-type"), content_type);
      EXPECT_EQ(r.content_encoding, gzip ? "gzip" : "") << "request " << i;
      ASSERT_TRUE(r.decoded.has_value()) << "request " << i << ": " << r.decode_error;
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*r.decoded, expected[i]))
          << "request " << i;
    }
    EXPECT_EQ(server.span_count(), total);
    EXPECT_EQ(Metric("otelcol_exporter_sent_spans"), static_cast<double>(total));
    EXPECT_EQ(Metric("otelcol_exporter_send_failed_spans"), 0);
  }

  void TearDown() override {
    if (exporter_) exporter_->Shutdown(absl::Now() + absl::Seconds(5));
  }

  testing::TestEnvironment env_;
  testing::RecordingHost host_;
  Factory factory_;
  std::unique_ptr<pipeline::TracesExporter> exporter_;
};

}  // namespace weir::exporters::otlphttp
