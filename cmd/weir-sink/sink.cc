#include "cmd/weir-sink/sink.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "pipeline/jaeger/wire_count.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"
#include "pipeline/otlp/wire_scan.h"
#include "pipeline/zipkin/json_v2.h"
#include "pipeline/zipkin/wire_count.h"

namespace weir::sink {

namespace http = boost::beast::http;
using net::HttpRequest;
using net::HttpResponse;
using net::MakeHttpResponse;

std::string StatsToJson(const SinkStats& stats) {
  return absl::StrCat("{\"spans\":", stats.spans, ",\"requests\":", stats.requests,
                      ",\"bytes\":", stats.bytes, ",\"errors\":", stats.errors, "}");
}

void SinkCounters::Accepted(uint64_t spans, uint64_t bytes) {
  spans_.fetch_add(spans, std::memory_order_relaxed);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  requests_.fetch_add(1, std::memory_order_relaxed);
}

void SinkCounters::Refused(uint64_t bytes) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  requests_.fetch_add(1, std::memory_order_relaxed);
}

SinkStats SinkCounters::Read(bool reset) {
  auto take = [reset](std::atomic<uint64_t>& counter) {
    return reset ? counter.exchange(0, std::memory_order_relaxed)
                 : counter.load(std::memory_order_relaxed);
  };
  SinkStats stats;
  // Requests last: a reader that sees a request also sees its spans and bytes.
  stats.spans = take(spans_);
  stats.bytes = take(bytes_);
  stats.errors = take(errors_);
  stats.requests = take(requests_);
  return stats;
}

void SinkCounters::Pace(uint64_t spans) {
  if (max_rate_ <= 0) return;
  absl::Time until;
  {
    std::lock_guard<std::mutex> lock(pace_mu_);
    absl::Time now = absl::Now();
    next_free_ = std::max(next_free_, now) + absl::Seconds(static_cast<double>(spans) / max_rate_);
    until = next_free_;
  }
  absl::SleepFor(until - absl::Now());
}

grpc::ServerUnaryReactor* SinkGrpcService::Export(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Slice bytes;
  if (request->Length() > 0 && !request->DumpToSingleSlice(&bytes).ok()) {
    counters_.Refused(request->Length());
    reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read request"));
    return reactor;
  }
  uint64_t spans = 0;
  absl::Status scanned = otlp::wire::CountSpans(
      absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), &spans);
  if (!scanned.ok()) {
    counters_.Refused(bytes.size());
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(scanned.message())));
    return reactor;
  }
  counters_.Accepted(spans, bytes.size());
  counters_.Pace(spans);
  // An empty ExportTraceServiceResponse encodes to zero bytes.
  grpc::Slice empty;
  *response = grpc::ByteBuffer(&empty, 1);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* SinkJaegerService::PostSpans(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Slice bytes;
  if (request->Length() > 0 && !request->DumpToSingleSlice(&bytes).ok()) {
    counters_.Refused(request->Length());
    reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "cannot read request"));
    return reactor;
  }
  size_t spans = 0;
  if (!jaeger::CountPostSpans(
          absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()), &spans)) {
    counters_.Refused(bytes.size());
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "malformed PostSpansRequest"));
    return reactor;
  }
  counters_.Accepted(spans, bytes.size());
  counters_.Pace(spans);
  grpc::Slice empty;
  *response = grpc::ByteBuffer(&empty, 1);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

namespace {

enum class Encoding { kProto, kJson };

HttpResponse PlainResponse(const HttpRequest& request, http::status status, std::string text) {
  return MakeHttpResponse(request, status, "text/plain", std::move(text));
}

std::string MediaType(absl::string_view content_type) {
  absl::string_view media = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(media));
}

// Counts the spans of an export request body (already inflated) in `encoding`: OTLP, or Zipkin
// v2 when `zipkin` (whose JSON is parsed in place: *body is rewritten).
absl::Status CountRequestSpans(std::string* body, Encoding encoding, bool zipkin, uint64_t* spans) {
  if (zipkin && encoding == Encoding::kProto) {
    const int64_t count = zipkin::CountProtoSpans(*body);
    if (count < 0) return absl::InvalidArgumentError("not a ListOfSpans");
    *spans = static_cast<uint64_t>(count);
    return absl::OkStatus();
  }
  if (zipkin) {
    zipkin::SpanList list;
    if (absl::Status s = zipkin::DecodeJsonV2(body, SIZE_MAX, &list); !s.ok()) return s;
    *spans = static_cast<uint64_t>(list.spans.size());
    return absl::OkStatus();
  }
  if (encoding == Encoding::kProto) return otlp::wire::CountSpans(*body, spans);
  google::protobuf::Arena arena;
  auto* decoded = google::protobuf::Arena::CreateMessage<otlp::ExportRequest>(&arena);
  if (absl::Status s = otlp::ParseRequestJson(*body, decoded); !s.ok()) return s;
  uint64_t count = 0;
  for (const auto& resource : decoded->resource_spans()) {
    for (const auto& scope : resource.scope_spans()) count += scope.spans_size();
  }
  *spans = count;
  return absl::OkStatus();
}

HttpResponse HandleExport(HttpRequest& request, SinkCounters& counters, bool zipkin) {
  const uint64_t received = request.body().size();
  std::string media = MediaType(absl::string_view(request[http::field::content_type].data(),
                                                  request[http::field::content_type].size()));
  Encoding encoding;
  if (media == "application/x-protobuf" || media == "application/protobuf") {
    encoding = Encoding::kProto;
  } else if (media == "application/json") {
    encoding = Encoding::kJson;
  } else {
    counters.Refused(received);
    return PlainResponse(request, http::status::unsupported_media_type,
                         absl::StrCat("unsupported content type \"", media, "\"\n"));
  }

  std::string content_encoding =
      absl::AsciiStrToLower(std::string(request[http::field::content_encoding]));
  if (content_encoding == "gzip" || content_encoding == "deflate") {
    absl::StatusOr<std::string> inflated = net::Gunzip(request.body(), kMaxInflatedBytes);
    if (!inflated.ok()) {
      counters.Refused(received);
      return PlainResponse(
          request, http::status::bad_request,
          absl::StrCat("bad compressed body: ", inflated.status().message(), "\n"));
    }
    request.body() = std::move(*inflated);
  } else if (!content_encoding.empty() && content_encoding != "identity") {
    counters.Refused(received);
    return PlainResponse(request, http::status::bad_request,
                         absl::StrCat("unsupported Content-Encoding \"", content_encoding, "\"\n"));
  }

  uint64_t spans = 0;
  if (absl::Status s = CountRequestSpans(&request.body(), encoding, zipkin, &spans); !s.ok()) {
    counters.Refused(received);
    return PlainResponse(request, http::status::bad_request,
                         absl::StrCat("malformed request: ", s.message(), "\n"));
  }
  counters.Accepted(spans, received);
  counters.Pace(spans);
  if (zipkin) return MakeHttpResponse(request, http::status::accepted, "text/plain", "");
  if (encoding == Encoding::kJson) {
    return MakeHttpResponse(request, http::status::ok, "application/json", "{}");
  }
  return MakeHttpResponse(request, http::status::ok, "application/x-protobuf", "");
}

}  // namespace

HttpResponse HandleSinkHttp(HttpRequest& request, SinkCounters& counters) {
  absl::string_view target(request.target().data(), request.target().size());
  size_t question = target.find('?');
  absl::string_view path = target.substr(0, question);
  absl::string_view query = question == absl::string_view::npos ? "" : target.substr(question + 1);

  if (path == kTracesPath || path == kZipkinPath) {
    if (request.method() != http::verb::post) {
      HttpResponse r = PlainResponse(request, http::status::method_not_allowed,
                                     "405 method not allowed, supported: [POST]\n");
      r.set(http::field::allow, "POST");
      return r;
    }
    return HandleExport(request, counters, path == kZipkinPath);
  }
  if (path == "/stats") {
    if (request.method() != http::verb::get) {
      HttpResponse r = PlainResponse(request, http::status::method_not_allowed,
                                     "405 method not allowed, supported: [GET]\n");
      r.set(http::field::allow, "GET");
      return r;
    }
    bool reset = false;
    for (absl::string_view param : absl::StrSplit(query, '&')) {
      if (param == "reset=1" || param == "reset=true") reset = true;
    }
    return MakeHttpResponse(request, http::status::ok, "application/json",
                            StatsToJson(counters.Read(reset)) + "\n");
  }
  return PlainResponse(request, http::status::not_found,
                       absl::StrCat("404 page not found; POST ", kTracesPath, " or GET /stats\n"));
}

}  // namespace weir::sink
