#include "tests/testing/fake_otlp_http_server.h"

#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/json.h"
#include "pipeline/otlp/rpc_status.h"
#include "tests/testing/test_certificate.h"

namespace weir::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

// Bounds what one request body may be, compressed or decompressed.
constexpr size_t kMaxBodyBytes = 64 << 20;

size_t CountSpans(const weir::otlp::ExportRequest& request) {
  size_t n = 0;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  }
  return n;
}

// Fills the decoded fields of `r` from its body and headers.
void Decode(FakeOtlpHttpServer::Request& r) {
  if (r.content_encoding == "gzip") {
    absl::StatusOr<std::string> inflated = net::Gunzip(r.body, kMaxBodyBytes);
    if (!inflated.ok()) {
      r.decode_error = absl::StrCat("bad gzip body: ", inflated.status().message());
      return;
    }
    r.decoded_body = *std::move(inflated);
  } else if (r.content_encoding.empty() || r.content_encoding == "identity") {
    r.decoded_body = r.body;
  } else {
    r.decode_error = absl::StrCat("unsupported Content-Encoding \"", r.content_encoding, "\"");
    return;
  }
  auto it = r.headers.find("content-type");
  std::string media = it == r.headers.end() ? "" : it->second.substr(0, it->second.find(';'));
  media = absl::AsciiStrToLower(absl::StripAsciiWhitespace(media));
  weir::otlp::ExportRequest decoded;
  if (media == "application/x-protobuf" || media == "application/protobuf") {
    if (!decoded.ParseFromString(r.decoded_body)) {
      r.decode_error = "the body is no protobuf ExportTraceServiceRequest";
      return;
    }
  } else if (media == "application/json") {
    absl::Status s = weir::otlp::ParseRequestJson(r.decoded_body, &decoded);
    if (!s.ok()) {
      r.decode_error = absl::StrCat("the body is no OTLP/JSON request: ", s.message());
      return;
    }
  } else {
    r.decode_error = absl::StrCat("unsupported Content-Type \"", media, "\"");
    return;
  }
  r.span_count = CountSpans(decoded);
  r.decoded = std::move(decoded);
}

}  // namespace

FakeOtlpHttpServer::Reply FakeOtlpHttpServer::Answer(const weir::otlp::ExportResponse& response,
                                                     weir::otlp::ResponseEncoding encoding) {
  if (encoding == weir::otlp::ResponseEncoding::kJson) {
    return {.content_type = "application/json", .body = weir::otlp::ResponseToJson(response)};
  }
  return {.content_type = "application/x-protobuf", .body = response.SerializeAsString()};
}

FakeOtlpHttpServer::Reply FakeOtlpHttpServer::Refusal(unsigned status, int rpc_code,
                                                      const std::string& message,
                                                      const std::string& retry_after,
                                                      weir::otlp::ResponseEncoding encoding) {
  if (encoding == weir::otlp::ResponseEncoding::kJson) {
    return {.status = status,
            .content_type = "application/json",
            .body = weir::otlp::EncodeRpcStatusJson(rpc_code, message),
            .retry_after = retry_after};
  }
  return {.status = status,
          .content_type = "application/x-protobuf",
          .body = weir::otlp::EncodeRpcStatusProto(rpc_code, message),
          .retry_after = retry_after};
}

std::string FakeOtlpHttpServer::Request::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string("<absent>") : it->second;
}

// One connection: reads a request at a time, records it and answers with the current reply.
template <typename Stream>
class FakeOtlpHttpServer::Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <typename... Args>
  explicit Session(FakeOtlpHttpServer* server, Args&&... args)
      : server_(server), stream_(std::forward<Args>(args)...), timer_(stream_.get_executor()) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      Read();
    } else {
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) return;
            const char* name =
                SSL_get_servername(self->stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
            self->sni_ = name == nullptr ? "" : name;
            self->Read();
          });
    }
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->OnRequest();
                     });
  }

  void OnRequest() {
    http::request<http::string_body> request = parser_->release();
    server_->Record(ToRequest(request));
    reply_ = server_->reply();
    if (!reply_.answer) {
      Read();  // keeps the connection open and silent
      return;
    }
    response_ = {};
    response_.version(11);
    response_.result(reply_.status);
    response_.set(http::field::content_type, reply_.content_type);
    if (!reply_.retry_after.empty()) response_.set(http::field::retry_after, reply_.retry_after);
    response_.body() = reply_.body;
    response_.keep_alive(request.keep_alive());
    response_.prepare_payload();
    if (reply_.delay <= absl::ZeroDuration()) {
      Write();
      return;
    }
    timer_.expires_after(absl::ToChronoNanoseconds(reply_.delay));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->Write();
    });
  }

  void Write() {
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (self->reply_.close_after || !self->response_.keep_alive()) {
                          beast::error_code ignored;
                          auto& socket = self->stream_.lowest_layer();
                          socket.shutdown(tcp::socket::shutdown_both, ignored);
                          socket.close(ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  Request ToRequest(const http::request<http::string_body>& request) const {
    Request r;
    r.method = std::string(request.method_string());
    r.target = std::string(request.target());
    r.path = r.target.substr(0, r.target.find('?'));
    for (const auto& field : request) {
      r.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    auto encoding = r.headers.find("content-encoding");
    if (encoding != r.headers.end()) r.content_encoding = absl::AsciiStrToLower(encoding->second);
    r.body = request.body();
    r.sni = sni_;
    Decode(r);
    return r;
  }

  FakeOtlpHttpServer* server_;
  Stream stream_;
  asio::steady_timer timer_;
  std::string sni_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Reply reply_;
  http::response<http::string_body> response_;
};

FakeOtlpHttpServer::FakeOtlpHttpServer(FakeServerTls tls) : FakeOtlpHttpServer(Reply(), tls) {}

FakeOtlpHttpServer::FakeOtlpHttpServer(Reply reply, FakeServerTls tls)
    : acceptor_(io_), reply_(std::move(reply)) {
  if (tls != FakeServerTls::kNone) {
    const TestCertificate& certificate = SelfSignedCertificate();
    tls_.emplace(ssl::context::tls_server);
    tls_->use_certificate_chain(asio::buffer(certificate.cert_pem));
    tls_->use_private_key(asio::buffer(certificate.key_pem), ssl::context::pem);
    if (tls == FakeServerTls::kMutual) {
      tls_->add_certificate_authority(asio::buffer(certificate.cert_pem));
      tls_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    }
  }
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor_.local_endpoint(ec).port();
  EXPECT_FALSE(ec) << "fake OTLP/HTTP server cannot listen: " << ec.message();
  if (ec) return;
  Accept();
  thread_ = std::thread([this] { io_.run(); });
}

FakeOtlpHttpServer::~FakeOtlpHttpServer() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string FakeOtlpHttpServer::url() const {
  return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port_);
}

void FakeOtlpHttpServer::set_reply(Reply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  reply_ = std::move(reply);
}

FakeOtlpHttpServer::Reply FakeOtlpHttpServer::reply() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reply_;
}

std::vector<FakeOtlpHttpServer::Request> FakeOtlpHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

size_t FakeOtlpHttpServer::span_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Request& r : requests_) n += r.span_count;
  return n;
}

void FakeOtlpHttpServer::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    ++connections_;
    if (tls_) {
      std::make_shared<Session<ssl::stream<tcp::socket>>>(this, std::move(socket), *tls_)->Start();
    } else {
      std::make_shared<Session<tcp::socket>>(this, std::move(socket))->Start();
    }
    Accept();
  });
}

void FakeOtlpHttpServer::Record(Request request) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(std::move(request));
}

}  // namespace weir::testing
