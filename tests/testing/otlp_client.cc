#include "tests/testing/otlp_client.h"

#include <condition_variable>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/rfc2818_verification.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "pipeline/net/grpc_compressed_buffer.h"

namespace weir::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

tcp::endpoint Endpoint(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  std::string host = address.substr(0, colon);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  return tcp::endpoint(boost::asio::ip::make_address(host), static_cast<unsigned short>(port));
}

}  // namespace

HttpResult HttpRequest(const std::string& address, const std::string& method,
                       const std::string& target, const std::map<std::string, std::string>& headers,
                       const std::string& body) {
  HttpResult result;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(Endpoint(address));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    if (req.method() == http::verb::unknown) req.method_string(method);
    req.set(http::field::host, address);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 << 20);
    http::read(stream, buffer, parser);
    auto& res = parser.get();
    result.status = res.result_int();
    for (const auto& field : res)
      result.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    result.body = res.body();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

HttpResult HttpsPost(const std::string& address, const std::string& target,
                     const std::string& content_type, const std::string& body,
                     const std::string& ca_pem, const std::string& client_cert_pem,
                     const std::string& client_key_pem) {
  HttpResult result;
  try {
    namespace ssl = boost::asio::ssl;
    boost::asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(boost::asio::buffer(ca_pem));
    ctx.set_verify_mode(ssl::verify_peer);
    if (!client_cert_pem.empty()) {
      ctx.use_certificate_chain(boost::asio::buffer(client_cert_pem));
      ctx.use_private_key(boost::asio::buffer(client_key_pem), ssl::context::pem);
    }
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");
    stream.set_verify_callback(ssl::rfc2818_verification("localhost"));
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(stream).connect(Endpoint(address));
    stream.handshake(ssl::stream_base::client);
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, address);
    req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    result.status = res.result_int();
    result.body = res.body();
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

grpc::Status GrpcExportTls(const std::string& address, const otlp::ExportRequest& request,
                           otlp::ExportResponse* response, const std::string& ca_pem,
                           const std::string& client_cert_pem, const std::string& client_key_pem) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  options.pem_cert_chain = client_cert_pem;
  options.pem_private_key = client_key_pem;
  std::string port = address.substr(address.rfind(':') + 1);
  auto channel = grpc::CreateChannel("localhost:" + port, grpc::SslCredentials(options));
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return stub->Export(&context, request, response);
}

grpc::Status GrpcExport(const std::string& address, const otlp::ExportRequest& request,
                        otlp::ExportResponse* response, bool gzip) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  return stub->Export(&context, request, response);
}

grpc::Status GrpcExportWithMetadata(const std::string& address, const otlp::ExportRequest& request,
                                    const std::map<std::string, std::string>& metadata,
                                    otlp::ExportResponse* response) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  return stub->Export(&context, request, response);
}

grpc::Status GrpcExportCompressed(const std::string& address, std::string gzip_message,
                                  std::string* response_bytes) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  grpc::ByteBuffer request = net::GzipCompressedByteBuffer(std::move(gzip_message));
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, otlp::kExportMethod,
                 grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  if (status.ok() && response_bytes != nullptr) {
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    response_bytes->clear();
    for (const grpc::Slice& slice : slices)
      response_bytes->append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return status;
}

void SendRawAndClose(const std::string& address, const std::string& bytes) {
  try {
    boost::asio::io_context io;
    tcp::socket socket(io);
    socket.connect(Endpoint(address));
    boost::asio::write(socket, boost::asio::buffer(bytes));
    socket.close();
  } catch (const std::exception&) {
  }
}

int FreePort() {
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace weir::testing
