#include "cmd/weir-loadgen/payloads.h"

#include <algorithm>
#include <random>
#include <utility>

#include "pipeline/jaeger/from_otlp.h"
#include "pipeline/jaeger/thrift_codec.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"
#include "pipeline/zipkin/from_otlp.h"
#include "pipeline/zipkin/json_v2.h"

namespace weir::loadgen {

PayloadOptions PayloadOptionsFrom(const LoadgenOptions& options) {
  PayloadOptions p;
  p.encoding = options.encoding;
  p.gzip = options.gzip;
  p.jaeger = options.protocol == Protocol::kJaegerUdp;
  p.zipkin = options.protocol == Protocol::kZipkin;
  p.spans_per_request = options.spans_per_request;
  p.distinct = options.distinct;
  p.fresh = !options.record_path.empty();
  p.trace_spread = options.unique_traces ? options.trace_spread : 0;
  return p;
}

PayloadSource::PayloadSource(WorkloadGenerator generator, PayloadOptions options)
    : generator_(std::move(generator)), options_(options), run_salt_(std::random_device()()) {
  run_salt_ = (run_salt_ << 32) ^ std::random_device()();
}

void PayloadSource::Prepare() {
  const int count = options_.fresh ? 1 : options_.distinct;
  cycle_.clear();
  cycle_.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) cycle_.push_back(Make(options_.spans_per_request));
  // In fresh mode the sample above only serves the banner; ids restart so the record holds
  // requests 0, 1, 2, ...
  if (options_.fresh) next_request_number_ = 0;
}

namespace {

uint64_t MixCounter(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void XorAt(std::string* body, const std::vector<uint32_t>& offsets, uint64_t key) {
  for (uint32_t off : offsets) {
    for (int b = 0; b < 8; ++b) (*body)[off + b] ^= static_cast<char>(key >> (8 * b));
  }
}

// The offsets of every occurrence of `needle` in `body`.
void FindAll(const std::string& body, const std::string& needle, std::vector<uint32_t>* out) {
  for (size_t at = body.find(needle); at != std::string::npos; at = body.find(needle, at + 1))
    out->push_back(static_cast<uint32_t>(at));
}

}  // namespace

std::shared_ptr<const Payload> PayloadSource::Next(int spans) {
  if (options_.fresh || spans != options_.spans_per_request || cycle_.empty()) return Make(spans);
  std::shared_ptr<const Payload> payload = cycle_[next_in_cycle_];
  if (options_.trace_spread > 0) {
    // Requests sent in a row share a trace key (so their traces continue one another) while
    // every request has its own span key; the template cycles as before.
    const uint64_t send = sends_++;
    const uint64_t group = send / static_cast<uint64_t>(options_.trace_spread);
    if (send % static_cast<uint64_t>(options_.trace_spread) != 0) {
      payload = cycle_[group_template_];
    } else {
      group_template_ = next_in_cycle_;
      if (++next_in_cycle_ == cycle_.size()) next_in_cycle_ = 0;
    }
    auto unique = std::make_shared<Payload>(*payload);
    XorAt(&unique->body, unique->trace_id_offsets, MixCounter(run_salt_ ^ (group + 1)));
    XorAt(&unique->body, unique->span_id_offsets, MixCounter(run_salt_ ^ ~send));
    return unique;
  }
  if (++next_in_cycle_ == cycle_.size()) next_in_cycle_ = 0;
  return payload;
}

std::shared_ptr<const Payload> PayloadSource::Make(int spans) {
  otlp::ExportRequest request;
  generator_.Generate(next_request_number_++, spans, &request);
  auto payload = std::make_shared<Payload>();
  payload->spans = static_cast<uint32_t>(spans);
  if (options_.jaeger) {
    jaeger::model::Batch batch;
    for (const auto& rs : request.resource_spans()) {
      jaeger::ResourceSpansToBatch(rs, &batch);
      jaeger::thrift::Batch thrift_batch;
      jaeger::ModelToThrift(batch, &thrift_batch);
      payload->datagrams.push_back(
          jaeger::EncodeAgentDatagram(thrift_batch, jaeger::ThriftProtocol::kCompact));
      payload->encoded_size += payload->datagrams.back().size();
    }
    return payload;
  }
  if (options_.zipkin) {
    zipkin::model::ListOfSpans spans;
    for (const auto& rs : request.resource_spans()) {
      (void)zipkin::AppendResourceSpans(rs, {}, &spans);  // generated ids are always valid
    }
    if (options_.encoding == Encoding::kJson) {
      payload->body = zipkin::EncodeJsonV2(spans);
    } else {
      spans.SerializeToString(&payload->body);
    }
    payload->encoded_size = payload->body.size();
    return payload;
  }
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
  if (options_.trace_spread > 0) {
    // Ids are random 16 and 8 bytes, unique within the request: finding them in the encoding
    // finds their fields.
    std::vector<std::string> trace_ids;
    for (const auto& rs : request.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& span : ss.spans()) {
          if (trace_ids.empty() || trace_ids.back() != span.trace_id())
            trace_ids.push_back(span.trace_id());
          FindAll(payload->body, span.span_id(), &payload->span_id_offsets);
          if (!span.parent_span_id().empty())
            FindAll(payload->body, span.parent_span_id(), &payload->span_id_offsets);
        }
    for (const std::string& id : trace_ids) FindAll(payload->body, id, &payload->trace_id_offsets);
    auto dedupe = [](std::vector<uint32_t>* v) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    };
    dedupe(&payload->trace_id_offsets);
    dedupe(&payload->span_id_offsets);
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
  for (const auto& p : cycle_) {
    bytes += p->body.size();
    for (const std::string& d : p->datagrams) bytes += d.size();
  }
  return cycle_.empty() ? 0 : static_cast<double>(bytes) / static_cast<double>(cycle_.size());
}

}  // namespace weir::loadgen
