#include "tests/testing/otlp_client.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpcpp/grpcpp.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

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

grpc::Status GrpcExport(const std::string& address, const otlp::ExportRequest& request,
                        otlp::ExportResponse* response, bool gzip) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  return stub->Export(&context, request, response);
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
