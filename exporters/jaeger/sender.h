// The jaeger exporter's two senders. Both translate each OTLP resource of a batch into one
// Jaeger Batch (pipeline/jaeger/from_otlp.h) and send the resources one after another:
//
//   GrpcSender        PostSpans(PostSpansRequest{batch}) per resource on one gRPC channel, the
//                     request written from the batch's bytes (wire_from_otlp.h)
//                     (helper::GrpcClient: TLS, metadata, compression, deadline, the OTLP
//                     retry rules for gRPC codes and RetryInfo)
//   ThriftHttpSender  POST <url> with the binary-Thrift Batch per resource, Content-Type
//                     application/x-thrift (helper::HttpClient: keep-alive pool, TLS,
//                     headers, the OTLP/HTTP rules for status codes and Retry-After)
//
// A send fails at the first resource that fails, with that resource's error; the resources
// before it were delivered and go again if the batch is retried (at-least-once).
//
// Threading: Send from many threads at once; Start and Shutdown once each.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "exporters/helper/grpc_client.h"
#include "exporters/helper/http_client.h"
#include "exporters/helper/sender.h"
#include "exporters/jaeger/config.h"
#include "pipeline/auth.h"

namespace weir::exporters::jaeger {

// Logger component name.
inline constexpr char kComponent[] = "exporter/jaeger";

// A sender that can carry a client authenticator's header.
class AuthSender : public helper::Sender {
 public:
  // `auth` is borrowed and must outlive the last Send. REQUIRES: called before Start.
  virtual void set_authenticator(const pipeline::ClientAuthenticator* auth) = 0;
};

class GrpcSender final : public AuthSender {
 public:
  GrpcSender(std::string id, const Config& config);
  absl::Status Start() override { return client_.Start(); }
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override;
  void Shutdown() override { client_.Shutdown(); }
  void set_authenticator(const pipeline::ClientAuthenticator* auth) override {
    client_.set_authenticator(auth);
  }

 private:
  helper::GrpcClient client_;
};

class ThriftHttpSender final : public AuthSender {
 public:
  ThriftHttpSender(std::string id, const Config& config);
  absl::Status Start() override;
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override;
  void Shutdown() override { client_.Shutdown(); }
  void set_authenticator(const pipeline::ClientAuthenticator* auth) override { auth_ = auth; }

 private:
  const std::string id_;
  const config::HeadersConfig headers_;
  const bool gzip_;
  const int gzip_level_;
  helper::HttpClient client_;
  const pipeline::ClientAuthenticator* auth_ = nullptr;  // nullable
};

}  // namespace weir::exporters::jaeger
