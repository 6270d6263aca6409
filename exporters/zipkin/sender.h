// The zipkin exporter's sender: every span of a batch, translated to Zipkin v2
// (pipeline/zipkin/from_otlp.h), in one POST to the endpoint, as a JSON array
// (application/json) or a protobuf ListOfSpans (application/x-protobuf), optionally gzipped.
// Answers are judged as the OTLP/HTTP specification says (helper::HttpErrorStatus); a batch
// whose spans lack valid ids cannot be sent to Zipkin at all and fails permanently.
//
// Threading: Send from many threads at once; Start and Shutdown once each.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "exporters/helper/http_client.h"
#include "exporters/helper/sender.h"
#include "exporters/zipkin/config.h"
#include "pipeline/auth.h"
#include "pipeline/zipkin/from_otlp.h"

namespace weir::exporters::zipkin {

// Logger component name.
inline constexpr char kComponent[] = "exporter/zipkin";

class Sender final : public helper::Sender {
 public:
  Sender(std::string id, const Config& config);
  absl::Status Start() override;
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override;
  void Shutdown() override { client_.Shutdown(); }
  // `auth` is borrowed and must outlive the last Send. REQUIRES: called before Start.
  void set_authenticator(const pipeline::ClientAuthenticator* auth) { auth_ = auth; }

 private:
  const std::string id_;
  const Format format_;
  const weir::zipkin::FromOtlpOptions options_;
  const config::HeadersConfig headers_;
  const bool gzip_;
  const int gzip_level_;
  helper::HttpClient client_;
  const pipeline::ClientAuthenticator* auth_ = nullptr;  // nullable
};

}  // namespace weir::exporters::zipkin
