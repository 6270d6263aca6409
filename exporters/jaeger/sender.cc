#include "exporters/jaeger/sender.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/jaeger/from_otlp.h"
#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/jaeger/wire_from_otlp.h"
#include "pipeline/net/compression.h"
#include "pipeline/telemetry/logger.h"

namespace weir::exporters::jaeger {

namespace {

// Calls send(batch) for each resource of `batch` as a Jaeger Batch until one fails.
template <typename SendFn>
absl::Status ForEachJaegerBatch(const pipeline::TraceBatch& batch, SendFn&& send) {
  absl::Status result;
  weir::jaeger::model::Batch jaeger_batch;
  batch.ForEachResourceSpans([&](const weir::otlp::ResourceSpans& resource_spans) {
    if (!result.ok()) return;
    weir::jaeger::ResourceSpansToBatch(resource_spans, &jaeger_batch);
    if (jaeger_batch.spans_size() == 0) return;
    result = send(jaeger_batch);
  });
  return result;
}

}  // namespace

GrpcSender::GrpcSender(std::string id, const Config& config)
    : client_(std::move(id), kComponent, config.grpc) {}

absl::Status GrpcSender::Send(const pipeline::TraceBatch& batch, absl::Time deadline) {
  // The requests are written from the batch's bytes (pipeline/jaeger/wire_from_otlp.h).
  return weir::jaeger::ForEachPostSpansRequest(batch, [&](std::string&& request) {
    return client_.Call(weir::jaeger::kPostSpansMethod, std::move(request), deadline, nullptr);
  });
}

ThriftHttpSender::ThriftHttpSender(std::string id, const Config& config)
    : id_(std::move(id)),
      headers_(config.headers),
      gzip_(config.compression.gzip()),
      gzip_level_(config.compression.level),
      client_(id_, config.url, config.tls) {}

absl::Status ThriftHttpSender::Start() {
  if (absl::Status status = client_.Start(); !status.ok()) return status;
  log::Info(kComponent, "%s: exporting to %s (Thrift over HTTP%s)", id_, client_.url().text,
            gzip_ ? ", gzip" : "");
  return absl::OkStatus();
}

absl::Status ThriftHttpSender::Send(const pipeline::TraceBatch& batch, absl::Time deadline) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (gzip_) headers.emplace_back("Content-Encoding", "gzip");
  for (const auto& [name, value] : headers_.entries) headers.emplace_back(name, value);
  if (auth_ != nullptr) {
    // Asked at every send, so a rotated credential is used at once.
    auto [name, value] = auth_->RequestHeader();
    headers.emplace_back(std::move(name), std::move(value));
  }
  return ForEachJaegerBatch(batch, [&](const weir::jaeger::model::Batch& jaeger_batch) {
    weir::jaeger::thrift::Batch thrift_batch;
    weir::jaeger::ModelToThrift(jaeger_batch, &thrift_batch);
    std::string body = weir::jaeger::EncodeBatch(thrift_batch);
    if (gzip_) body = net::Gzip(body, gzip_level_);
    absl::StatusOr<helper::HttpResponse> response =
        client_.Post("application/x-thrift", std::move(body), headers, deadline);
    if (!response.ok()) return response.status();
    if (response->status >= 200 && response->status < 300) return absl::OkStatus();
    return helper::HttpErrorStatus(client_.url(), *response);
  });
}

}  // namespace weir::exporters::jaeger
