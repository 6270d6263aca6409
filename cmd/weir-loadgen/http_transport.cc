#include "cmd/weir-loadgen/http_transport.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/buffer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "config/blocks.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/types.h"

namespace weir::loadgen {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kMaxResponseBytes = 64u << 20;

uint64_t RejectedSpans(const http::response<http::string_body>& response) {
  const std::string& body = response.body();
  if (body.empty()) return 0;
  otlp::ExportResponse parsed;
  absl::string_view type(response[http::field::content_type].data(),
                         response[http::field::content_type].size());
  if (absl::StartsWith(type, "application/json")) {
    if (!otlp::ParseResponseJson(body, &parsed).ok()) return 0;
  } else if (!parsed.ParseFromString(body)) {
    return 0;
  }
  return static_cast<uint64_t>(std::max<int64_t>(0, parsed.partial_success().rejected_spans()));
}

}  // namespace

// One keep-alive connection carrying one request at a time.
class HttpTransport::Connection {
 public:
  Connection(boost::asio::io_context& io, const HttpTransport& transport)
      : transport_(transport), stream_(io) {}

  // Opens the connection; `then` runs on the I/O thread with the outcome.
  void Open(absl::Duration timeout, std::function<void(beast::error_code)> then) {
    stream_.expires_after(absl::ToChronoNanoseconds(timeout));
    stream_.async_connect(transport_.endpoints_, [this, then = std::move(then)](
                                                     beast::error_code ec, const tcp::endpoint&) {
      if (!ec) {
        connected_ = true;
        stream_.socket().set_option(tcp::no_delay(true), ec);
        ec = {};
      }
      then(ec);
    });
  }

  void Send(std::shared_ptr<const Payload> payload, SendCallback done) {
    payload_ = std::move(payload);
    done_ = std::move(done);
    if (connected_) return Write();
    Open(transport_.options_.timeout, [this](beast::error_code ec) {
      if (ec) return Fail(ec, "connect");
      Write();
    });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
    buffer_.clear();
  }

 private:
  void Write() {
    head_.assign(transport_.head_prefix_);
    absl::StrAppend(&head_, payload_->body.size(), "\r\n\r\n");
    const std::array<boost::asio::const_buffer, 2> buffers = {boost::asio::buffer(head_),
                                                              boost::asio::buffer(payload_->body)};
    stream_.expires_after(absl::ToChronoNanoseconds(transport_.options_.timeout));
    boost::asio::async_write(stream_, buffers, [this](beast::error_code ec, size_t) {
      if (ec) return Fail(ec, "write");
      Read();
    });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxResponseBytes);
    http::async_read(stream_, buffer_, *parser_, [this](beast::error_code ec, size_t) {
      if (ec) return Fail(ec, "read");
      OnResponse();
    });
  }

  void OnResponse() {
    const http::response<http::string_body>& response = parser_->get();
    const unsigned status = response.result_int();
    SendResult result;
    if (status >= 200 && status < 300) {
      result.outcome = Outcome::kAcked;
      result.rejected_spans = RejectedSpans(response);
    } else {
      result.outcome = (status == 429 || status == 503) ? Outcome::kRefused : Outcome::kFailed;
      result.error =
          absl::StrCat("http ", status, " ",
                       absl::string_view(response.reason().data(), response.reason().size()));
    }
    if (!response.keep_alive()) Close();
    parser_.reset();
    Finish(std::move(result));
  }

  void Fail(beast::error_code ec, const char* what) {
    Close();
    SendResult result;
    result.outcome = Outcome::kFailed;
    // A timeout is the collector being slow, not gone: no pause before the next request.
    result.connection_error = ec != beast::error::timeout;
    result.error = absl::StrCat("http ", what, ": ", ec.message());
    Finish(std::move(result));
  }

  void Finish(SendResult result) {
    // The callback may send the next request on this connection: leave no state behind first.
    SendCallback done = std::move(done_);
    payload_.reset();
    done(std::move(result));
  }

  const HttpTransport& transport_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string head_;
  std::shared_ptr<const Payload> payload_;
  SendCallback done_;
  bool connected_ = false;
};

HttpTransport::HttpTransport(boost::asio::io_context& io, HttpTransportOptions options)
    : io_(io), options_(std::move(options)) {
  head_prefix_ = absl::StrCat(
      "POST ", options_.path, " HTTP/1.1\r\nHost: ", options_.endpoint,
      "\r\nUser-Agent: weir-loadgen\r\nContent-Type: ",
      options_.encoding == Encoding::kJson ? "application/json" : "application/x-protobuf", "\r\n",
      options_.gzip ? "Content-Encoding: gzip\r\n" : "");
  for (const auto& [name, value] : options_.headers) {
    absl::StrAppend(&head_prefix_, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&head_prefix_, "Content-Length: ");
}

HttpTransport::~HttpTransport() { Close(); }

absl::Status HttpTransport::Connect(absl::Duration timeout) {
  config::HostPort host_port;
  std::string error;
  if (!config::ParseHostPort(options_.endpoint, &host_port, &error)) {
    return absl::InvalidArgumentError(error);
  }
  if (host_port.host.empty() || host_port.host == "localhost") host_port.host = "127.0.0.1";
  tcp::resolver resolver(io_);
  beast::error_code ec;
  auto results = resolver.resolve(host_port.host, std::to_string(host_port.port), ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve \"", options_.endpoint, "\": ", ec.message()));
  }
  endpoints_.clear();
  for (const auto& entry : results) endpoints_.push_back(entry.endpoint());

  connections_.clear();
  int pending = options_.connections;
  std::string first_error;
  for (int i = 0; i < options_.connections; ++i) {
    connections_.push_back(std::make_unique<Connection>(io_, *this));
    connections_.back()->Open(timeout, [&](beast::error_code ec) {
      --pending;
      if (ec && first_error.empty()) first_error = ec.message();
    });
  }
  // The stream's connect timeout guarantees every handler runs.
  while (pending > 0 && io_.run_one() > 0) {
  }
  io_.restart();
  if (!first_error.empty() || pending > 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", options_.endpoint, " (HTTP): ", first_error));
  }
  return absl::OkStatus();
}

void HttpTransport::Send(int lane, std::shared_ptr<const Payload> payload, SendCallback done) {
  connections_[static_cast<size_t>(lane)]->Send(std::move(payload), std::move(done));
}

void HttpTransport::Close() {
  for (auto& c : connections_) c->Close();
}

}  // namespace weir::loadgen
