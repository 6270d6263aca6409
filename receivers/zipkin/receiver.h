// The `zipkin` receiver: spans from Zipkin clients (zipkin-js, Brave, zipkin-go, the
// OpenTelemetry SDKs' Zipkin exporters) and servers, over HTTP as a Zipkin server takes them:
//
//   POST <any path>     v2: Content-Type application/x-protobuf → a ListOfSpans
//                       (zipkin.proto3), anything else → a JSON array (pipeline/zipkin/
//                       json_v2.h); gzip or deflate
//   POST /api/v1/spans  v1: Content-Type application/x-thrift → a binary-Thrift list of
//                       zipkincore spans, anything else → a v1 JSON array (pipeline/zipkin/v1.h)
//
// Spans are translated to OTLP (pipeline/zipkin/to_otlp.h) and handed to the pipeline as any
// OTLP request is, with the same memory budget, span limit and metrics. Answers: 202 Accepted;
// 400 for a body that cannot be read or translated, naming the span and field; 413 beyond
// max_request_body_size; 405 for another method; 429 / 503 with Retry-After when the budget or
// the pipeline refuses; 500 for a permanent failure downstream; 401 without valid credentials.
// Metrics carry otelcol's transport names: http_v2_json, http_v2_proto, http_v1_json,
// http_v1_thrift.
//
// Threading: Handle is called concurrently from the I/O pool's threads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "pipeline/auth.h"
#include "pipeline/component.h"
#include "pipeline/net/http_server.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/zipkin/config.h"

namespace weir::receivers::zipkin {

// Logger component name of this receiver.
inline constexpr char kComponent[] = "receiver/zipkin";

class Receiver final : public pipeline::Component {
 public:
  Receiver(const pipeline::Settings& settings, const Config& config,
           pipeline::TracesConsumer& next);
  ~Receiver() override;

  // Resolves the authenticator (errors name the key), then listens.
  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;

  // The bound address, valid after Start.
  std::string address() const;

 private:
  net::HttpResponse Handle(net::HttpRequest& request, absl::string_view client_address);

  std::string id_;
  Config config_;
  pipeline::TracesConsumer& next_;
  // The body formats, and otelcol's transport names for them in the metrics.
  enum class Format { kV2Json, kV2Proto, kV1Json, kV1Thrift };
  static constexpr int kFormats = 4;
  static constexpr const char* kTransports[kFormats] = {"http_v2_json", "http_v2_proto",
                                                        "http_v1_json", "http_v1_thrift"};
  std::unique_ptr<telemetry::ReceiverMetrics> metrics_[kFormats];  // by Format
  log::RateLimited bad_request_log_;
  log::RateLimited auth_log_;
  const pipeline::ServerAuthenticator* auth_ = nullptr;  // nullable
  std::unique_ptr<net::HttpServer> server_;
  boost::asio::io_context& io_;
  bool stopped_ = false;
};

}  // namespace weir::receivers::zipkin
