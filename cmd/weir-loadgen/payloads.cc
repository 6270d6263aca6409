#include "cmd/weir-loadgen/payloads.h"

#include <utility>

#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"

namespace weir::loadgen {

PayloadOptions PayloadOptionsFrom(const LoadgenOptions& options) {
  PayloadOptions p;
  p.encoding = options.encoding;
  p.gzip = options.gzip;
  p.spans_per_request = options.spans_per_request;
  p.distinct = options.distinct;
  p.fresh = !options.record_path.empty();
  return p;
}

PayloadSource::PayloadSource(WorkloadGenerator generator, PayloadOptions options)
    : generator_(std::move(generator)), options_(options) {}

void PayloadSource::Prepare() {
  const int count = options_.fresh ? 1 : options_.distinct;
  cycle_.clear();
  cycle_.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) cycle_.push_back(Make(options_.spans_per_request));
  // In fresh mode the sample above only serves the banner; ids restart so the record holds
  // requests 0, 1, 2, ...
  if (options_.fresh) next_request_number_ = 0;
}

std::shared_ptr<const Payload> PayloadSource::Next(int spans) {
  if (options_.fresh || spans != options_.spans_per_request || cycle_.empty()) return Make(spans);
  std::shared_ptr<const Payload> payload = cycle_[next_in_cycle_];
  if (++next_in_cycle_ == cycle_.size()) next_in_cycle_ = 0;
  return payload;
}

std::shared_ptr<const Payload> PayloadSource::Make(int spans) {
  otlp::ExportRequest request;
  generator_.Generate(next_request_number_++, spans, &request);
  auto payload = std::make_shared<Payload>();
  payload->spans = static_cast<uint32_t>(spans);
  if (options_.encoding == Encoding::kJson) {
    otlp::AppendRequestJson(request, &payload->body);
  } else {
    request.SerializeToString(&payload->body);
  }
  payload->encoded_size = payload->body.size();
  if (options_.fresh) {
    if (options_.encoding == Encoding::kJson) {
      payload->record_line = payload->body;
    } else {
      otlp::AppendRequestJson(request, &payload->record_line);
    }
    payload->record_line.push_back('\n');
  }
  if (options_.gzip) payload->body = net::Gzip(payload->body);
  return payload;
}

double PayloadSource::EncodedBytesPerSpan() const {
  size_t bytes = 0;
  size_t spans = 0;
  for (const auto& p : cycle_) {
    bytes += p->encoded_size;
    spans += p->spans;
  }
  return spans == 0 ? 0 : static_cast<double>(bytes) / static_cast<double>(spans);
}

double PayloadSource::WireBytesPerRequest() const {
  size_t bytes = 0;
  for (const auto& p : cycle_) bytes += p->body.size();
  return cycle_.empty() ? 0 : static_cast<double>(bytes) / static_cast<double>(cycle_.size());
}

}  // namespace weir::loadgen
