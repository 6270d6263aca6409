#include "exporters/otlphttp/sender.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/partial_success.h"
#include "pipeline/otlp/types.h"

namespace weir::exporters::otlphttp {
namespace {

constexpr char kComponent[] = "exporter/otlphttp";

}  // namespace

HttpSender::HttpSender(std::string id, const Config& config)
    : id_(std::move(id)), config_(config), client_(id_, config_.traces_url, config_.tls) {}

HttpSender::~HttpSender() = default;

absl::Status HttpSender::Start() {
  if (absl::Status started = client_.Start(); !started.ok()) return started;
  log::Info(kComponent, "%s: exporting to %s (%s%s)", id_, config_.traces_url.text,
            config_.encoding == Encoding::kJson ? "json" : "proto",
            config_.compression.gzip() ? ", gzip" : "");
  return absl::OkStatus();
}

std::string HttpSender::EncodeBody(const pipeline::TraceBatch& batch) const {
  std::string payload;
  if (config_.encoding == Encoding::kJson) {
    weir::otlp::AppendRequestJson(batch.ToRequest(), &payload);
  } else {
    batch.AppendProtoTo(&payload);
  }
  if (config_.compression.gzip()) {
    return net::Gzip(payload, config_.compression.level);
  }
  return payload;
}

absl::Status HttpSender::Send(const pipeline::TraceBatch& batch, absl::Time deadline) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (config_.compression.gzip()) headers.emplace_back("Content-Encoding", "gzip");
  for (const auto& [name, value] : config_.headers.entries) headers.emplace_back(name, value);
  if (auth_ != nullptr) {
    // Asked at every send, so a rotated credential is used at once; replaces a configured
    // header of the same name.
    headers.push_back(auth_->RequestHeader());
  }
  std::string body;
  try {
    body = EncodeBody(batch);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("POST ", config_.traces_url.text, ": unexpected failure: ", e.what()));
  }
  absl::StatusOr<helper::HttpResponse> response = client_.Post(
      config_.encoding == Encoding::kJson ? "application/json" : "application/x-protobuf",
      std::move(body), headers, deadline);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return helper::HttpErrorStatus(config_.traces_url, *response);
  }
  ReportPartialSuccess(*response, batch.span_count());
  return absl::OkStatus();
}

void HttpSender::ReportPartialSuccess(const helper::HttpResponse& response, size_t span_count) {
  if (response.body.empty()) return;
  // OTLP answers in the request's encoding; a server that says otherwise is believed.
  bool json =
      absl::StrContains(response.content_type, "json") ||
      (config_.encoding == Encoding::kJson && !absl::StrContains(response.content_type, "proto"));
  std::string answer = absl::StrCat(response.status, " with a body");
  weir::otlp::ReportPartialSuccess(
      response.body,
      json ? weir::otlp::ResponseEncoding::kJson : weir::otlp::ResponseEncoding::kProto, span_count,
      {kComponent, id_, config_.traces_url.text, answer}, partial_success_log_);
}

void HttpSender::Shutdown() { client_.Shutdown(); }

}  // namespace weir::exporters::otlphttp
