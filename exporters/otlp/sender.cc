#include "exporters/otlp/sender.h"

#include <utility>

#include "pipeline/otlp/partial_success.h"
#include "pipeline/otlp/types.h"

namespace weir::exporters::otlp {
namespace {

constexpr char kComponent[] = "exporter/otlp";

}  // namespace

GrpcSender::GrpcSender(std::string id, const Config& config)
    : id_(std::move(id)), client_(id_, kComponent, config) {}

GrpcSender::~GrpcSender() = default;

absl::Status GrpcSender::Start() { return client_.Start(); }

absl::Status GrpcSender::Send(const pipeline::TraceBatch& batch, absl::Time deadline) {
  std::string response;
  absl::Status status =
      client_.Call(weir::otlp::kExportMethod, batch.ToProtoBytes(), deadline, &response);
  if (!status.ok()) return status;
  if (!response.empty()) {
    weir::otlp::ReportPartialSuccess(
        response, weir::otlp::ResponseEncoding::kProto, batch.span_count(),
        {kComponent, id_, client_.config().endpoint, /*unparsable_answer=*/"with a response"},
        partial_success_log_);
  }
  return absl::OkStatus();
}

void GrpcSender::Shutdown() { client_.Shutdown(); }

}  // namespace weir::exporters::otlp
