#include "receivers/zipkin/receiver.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "pipeline/memory_budget.h"
#include "pipeline/zipkin/json_v2.h"
#include "pipeline/zipkin/to_otlp.h"
#include "pipeline/zipkin/v1.h"
#include "pipeline/zipkin/wire_count.h"
#include "receivers/helper/delivery.h"
#include "receivers/helper/http_auth.h"
#include "receivers/helper/http_body.h"
#include "receivers/helper/http_request.h"

namespace weir::receivers::zipkin {

namespace http = boost::beast::http;
using helper::TextAnswer;

Receiver::Receiver(const pipeline::Settings& settings, const Config& config,
                   pipeline::TracesConsumer& next)
    : id_(settings.id.ToString()), config_(config), next_(next), io_(*settings.io) {
  for (int i = 0; i < kFormats; ++i) {
    metrics_[i] =
        std::make_unique<telemetry::ReceiverMetrics>(*settings.telemetry, id_, kTransports[i]);
  }
}

Receiver::~Receiver() { Shutdown(absl::Now() + absl::Seconds(1)); }

absl::Status Receiver::Start(pipeline::Host& host) {
  auto found = helper::FindAuthenticator(host, config_.auth, "auth.authenticator");
  if (!found.ok()) return found.status();
  auth_ = *found;
  net::HttpServerOptions options;
  options.endpoint = config_.endpoint;
  options.max_body_bytes = static_cast<size_t>(config_.max_request_body_size);
  options.name = id_;
  if (auth_ != nullptr) {
    options.header_check = [this](const http::request_header<>& header,
                                  absl::string_view client_address) {
      return helper::CheckHttpCredentials(auth_, header, client_address, *metrics_[0], auth_log_,
                                          kComponent);
    };
  }
  auto server =
      helper::StartHttpServer(io_, std::move(options), config_.tls,
                              [this](net::HttpRequest& request, absl::string_view client_address) {
                                return Handle(request, client_address);
                              });
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  log::Info(kComponent, "%s: Zipkin listening on %s (POST /api/v2/spans%s)", id_,
            server_->bound_address(), config_.tls ? ", TLS" : "");
  return absl::OkStatus();
}

std::string Receiver::address() const { return server_ ? server_->bound_address() : ""; }

void Receiver::Shutdown(absl::Time deadline) {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->Shutdown(deadline);
}

net::HttpResponse Receiver::Handle(net::HttpRequest& request, absl::string_view client_address) {
  pipeline::RequestContext context =
      helper::HttpRequestContext(request, client_address, config_.include_metadata);
  absl::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  if (request.method() != http::verb::post) {
    auto r = TextAnswer(request, http::status::method_not_allowed,
                        "405 method not allowed, supported: [POST]");
    r.set(http::field::allow, "POST");
    return r;
  }
  // As otelcol routes: a path with api/v1/spans is v1, any other is v2; the body's encoding is
  // the Content-Type's (Thrift or protobuf), else JSON.
  const bool v1 = absl::StrContains(target, "api/v1/spans");
  const std::string media = helper::MediaType(absl::string_view(
      request[http::field::content_type].data(), request[http::field::content_type].size()));
  const bool binary = media == (v1 ? "application/x-thrift" : "application/x-protobuf");
  const Format format = v1 ? (binary ? Format::kV1Thrift : Format::kV1Json)
                           : (binary ? Format::kV2Proto : Format::kV2Json);
  telemetry::ReceiverMetrics& metrics = *metrics_[static_cast<int>(format)];
  const char* what = kTransports[static_cast<int>(format)];
  std::string inflated;
  std::string* payload = nullptr;
  if (auto refusal =
          helper::DecodedBody(request, static_cast<size_t>(config_.max_request_body_size), metrics,
                              bad_request_log_, kComponent, what, &inflated, &payload)) {
    return *std::move(refusal);
  }
  // The span limit, and room in the memory budget for each span's view too (a small request of
  // empty spans holds many of them).
  const size_t limit =
      std::min(helper::SpanLimit(),
               pipeline::MemoryBudget::Process().room() / sizeof(weir::zipkin::SpanView));
  // v2 JSON is read as views into the body, parsed in place; the other formats into the proto
  // model (on an arena), then viewed. Either way the OTLP bytes are written from the views.
  weir::zipkin::SpanList list;
  std::optional<google::protobuf::Arena> arena;
  absl::Status decoded;
  if (format == Format::kV2Json) {
    decoded = weir::zipkin::DecodeJsonV2(payload, limit, &list);
  } else {
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = std::max<size_t>(4096, payload->size() * 2);
    arena_options.max_block_size = std::max<size_t>(arena_options.start_block_size, 1 << 20);
    arena.emplace(arena_options);
    auto* spans = google::protobuf::Arena::CreateMessage<weir::zipkin::model::ListOfSpans>(&*arena);
    if (format == Format::kV1Json) {
      decoded = weir::zipkin::DecodeJsonV1(*payload, limit, spans);
    } else if (format == Format::kV1Thrift) {
      decoded = weir::zipkin::DecodeThriftV1(*payload, limit, spans);
    } else {
      const int64_t count = weir::zipkin::CountProtoSpans(*payload);
      if (count < 0) {
        decoded = absl::InvalidArgumentError("not a protobuf ListOfSpans");
      } else if (static_cast<size_t>(count) > limit) {
        decoded = absl::ResourceExhaustedError(absl::StrCat("the request holds ", count, " spans"));
      } else if (!spans->ParseFromString(*payload)) {
        decoded = absl::InvalidArgumentError(
            "not a protobuf ListOfSpans (or a string in it is not valid UTF-8)");
      }
    }
    if (decoded.ok()) list = weir::zipkin::SpanList::Of(*spans);
  }
  if (!decoded.ok()) {
    metrics.RefusedRequest();
    if (absl::IsResourceExhausted(decoded)) {
      const absl::Status refusal = helper::ScanRefusal(decoded, limit, kComponent);
      return absl::IsResourceExhausted(refusal)
                 ? helper::RetryLaterAnswer(request, refusal)
                 : TextAnswer(request, http::status::bad_request, refusal.message());
    }
    bad_request_log_.Warn(kComponent, "%s: refused a request from %s: %s", what, client_address,
                          decoded.message());
    return TextAnswer(request, http::status::bad_request, decoded.message());
  }
  const weir::zipkin::ToOtlpOptions options{.parse_string_tags = config_.parse_string_tags};
  helper::Outcome outcome = helper::DeliverEncoded(
      context, list.spans.size(),
      [&](std::string* out) { return weir::zipkin::AppendOtlpRequest(list, options, out); }, next_,
      metrics, kComponent);
  return helper::DeliveryAnswer(request, outcome.status, bad_request_log_, kComponent, what,
                                client_address);
}

}  // namespace weir::receivers::zipkin
