// Minimal OTLP clients for tests: a blocking HTTP/1.1 POST and a blocking gRPC Export.
#pragma once

#include <map>
#include <string>

#include "grpcpp/support/status.h"
#include "pipeline/otlp/types.h"

namespace weir::testing {

struct HttpResult {
  int status = 0;                              // 0 when the request could not be sent
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string error;
};

// Sends one request on a new connection to host:port and reads the response.
HttpResult HttpRequest(const std::string& address, const std::string& method,
                       const std::string& target, const std::map<std::string, std::string>& headers,
                       const std::string& body);

inline HttpResult HttpPost(const std::string& address, const std::string& target,
                           const std::string& content_type, const std::string& body,
                           std::map<std::string, std::string> headers = {}) {
  headers["Content-Type"] = content_type;
  return HttpRequest(address, "POST", target, headers, body);
}

inline HttpResult HttpGet(const std::string& address, const std::string& target) {
  return HttpRequest(address, "GET", target, {}, "");
}

// Sends one request over TLS, trusting `ca_pem`, presenting a client certificate when
// client_cert_pem and client_key_pem are set. SNI/host name: "localhost".
HttpResult HttpsPost(const std::string& address, const std::string& target,
                     const std::string& content_type, const std::string& body,
                     const std::string& ca_pem, const std::string& client_cert_pem = "",
                     const std::string& client_key_pem = "");

// Calls TraceService/Export over TLS on localhost:port, trusting `ca_pem`.
grpc::Status GrpcExportTls(const std::string& address, const otlp::ExportRequest& request,
                           otlp::ExportResponse* response, const std::string& ca_pem,
                           const std::string& client_cert_pem = "",
                           const std::string& client_key_pem = "");

// Calls TraceService/Export on host:port (plaintext).
grpc::Status GrpcExport(const std::string& address, const otlp::ExportRequest& request,
                        otlp::ExportResponse* response, bool gzip = false);
// The same, sending `metadata` (keys lower-case, as gRPC requires).
grpc::Status GrpcExportWithMetadata(const std::string& address, const otlp::ExportRequest& request,
                                    const std::map<std::string, std::string>& metadata,
                                    otlp::ExportResponse* response);

// Calls TraceService/Export with `gzip_message` sent as is, marked gzip-compressed: for
// messages no client would compress itself (corrupt streams, bombs). The response, if any, is
// left in *response_bytes.
grpc::Status GrpcExportCompressed(const std::string& address, std::string gzip_message,
                                  std::string* response_bytes = nullptr);

// Writes raw bytes to host:port, then closes: for requests a client abandons midway.
void SendRawAndClose(const std::string& address, const std::string& bytes);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

}  // namespace weir::testing
