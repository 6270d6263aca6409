#include "exporters/zipkin/sender.h"

#include <utility>
#include <vector>

#include "pipeline/net/compression.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/zipkin/json_v2.h"
#include "pipeline/zipkin/proto_v2.h"

namespace weir::exporters::zipkin {

Sender::Sender(std::string id, const Config& config)
    : id_(std::move(id)),
      format_(config.format),
      options_{.default_service_name = config.default_service_name},
      headers_(config.headers),
      gzip_(config.compression.gzip()),
      gzip_level_(config.compression.level),
      client_(id_, config.url, config.tls) {}

absl::Status Sender::Start() {
  if (absl::Status status = client_.Start(); !status.ok()) return status;
  log::Info(kComponent, "%s: exporting to %s (Zipkin v2 %s%s)", id_, client_.url().text,
            format_ == Format::kJson ? "JSON" : "protobuf", gzip_ ? ", gzip" : "");
  return absl::OkStatus();
}

absl::Status Sender::Send(const pipeline::TraceBatch& batch, absl::Time deadline) {
  // The Zipkin spans are views into the batch's bytes, read on the wire.
  weir::zipkin::SpanList spans;
  if (absl::Status s = weir::zipkin::AppendSpans(batch, options_, &spans); !s.ok()) {
    // Zipkin has no span without ids; sending again cannot help.
    return absl::InvalidArgumentError(s.message());
  }
  if (spans.spans.empty()) return absl::OkStatus();
  std::string body = format_ == Format::kJson ? weir::zipkin::EncodeJsonV2(spans)
                                              : weir::zipkin::EncodeProtoV2(spans);
  if (gzip_) body = net::Gzip(body, gzip_level_);
  std::vector<std::pair<std::string, std::string>> headers;
  if (gzip_) headers.emplace_back("Content-Encoding", "gzip");
  for (const auto& [name, value] : headers_.entries) headers.emplace_back(name, value);
  if (auth_ != nullptr) {
    // Asked at every send, so a rotated credential is used at once.
    auto [name, value] = auth_->RequestHeader();
    headers.emplace_back(std::move(name), std::move(value));
  }
  absl::StatusOr<helper::HttpResponse> response =
      client_.Post(format_ == Format::kJson ? "application/json" : "application/x-protobuf",
                   std::move(body), headers, deadline);
  if (!response.ok()) return response.status();
  if (response->status >= 200 && response->status < 300) return absl::OkStatus();
  return helper::HttpErrorStatus(client_.url(), *response);
}

}  // namespace weir::exporters::zipkin
