// A fake OTLP/gRPC backend for exporter tests: something to export to that is not a weir
// receiver (tests/testing/fake_otlp_http_server.h is its HTTP counterpart).
// FakeOtlpGrpcServer serves TraceService/Export (as raw bytes, so it sees exactly what the
// client sent) on 127.0.0.1 port 0, optionally over TLS with the test certificate. It records
// every call and answers with whatever reply it was last given: a gRPC status (optionally with
// a RetryInfo), a response with partial success, a delay, or no answer at all.
//
// Threading: calls are served on gRPC's callback threads; set_reply() and calls() may be used
// from any thread at any time. The destructor waits for the calls in flight.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"
#include "pipeline/otlp/types.h"
#include "tests/testing/fake_server_tls.h"

namespace weir::testing {

// gRPC server credentials for `tls`, with testing::SelfSignedCertificate().
std::shared_ptr<grpc::ServerCredentials> FakeServerCredentials(FakeServerTls tls);

class FakeOtlpGrpcServer {
 public:
  // What the server answers each call with.
  struct Reply {
    grpc::StatusCode code = grpc::StatusCode::OK;  // OK: answer with `response`
    std::string message;                           // the status message when not OK
    // When set with a failed code, the status carries a google.rpc.RetryInfo with this delay.
    std::optional<absl::Duration> retry_delay;
    weir::otlp::ExportResponse response;  // e.g. with partial_success
    absl::Duration delay;                 // waited before answering
    bool answer = true;                   // false: never answer; the client's deadline ends it
  };

  // One received call.
  struct Call {
    std::string method;                                // the full method name
    std::multimap<std::string, std::string> metadata;  // client metadata, keys lowercase
    // "gzip" when the message arrived gzip-compressed, else "identity".
    std::string encoding;
    size_t wire_bytes = 0;  // the message's size as sent, compressed or not
    std::string request;    // the request message's bytes, decompressed
    // The request decoded; nullopt when its bytes are no ExportTraceServiceRequest.
    std::optional<weir::otlp::ExportRequest> decoded;
    size_t span_count = 0;  // spans in `decoded`
    bool accepted = false;  // answered OK
    // The value of metadata `key`, or "<absent>".
    std::string Metadata(const std::string& key) const;
  };

  // Starts serving at once, answering OK with an empty response. Fails the test when it cannot
  // listen.
  explicit FakeOtlpGrpcServer(FakeServerTls tls = FakeServerTls::kNone);
  // As above, answering with `reply`.
  explicit FakeOtlpGrpcServer(Reply reply, FakeServerTls tls = FakeServerTls::kNone);
  ~FakeOtlpGrpcServer();

  FakeOtlpGrpcServer(const FakeOtlpGrpcServer&) = delete;
  FakeOtlpGrpcServer& operator=(const FakeOtlpGrpcServer&) = delete;

  // "127.0.0.1:port".
  std::string address() const;
  int port() const { return port_; }

  // Replaces the answer of later calls.
  void set_reply(Reply reply);
  // Every call received so far, oldest first.
  std::vector<Call> calls() const;
  // Spans in every call received so far.
  size_t span_count() const;
  // Spans in the calls answered OK: what a real backend would have stored.
  size_t accepted_span_count() const;

 private:
  class Service;

  Reply reply() const;
  void Record(Call call);

  std::unique_ptr<Service> service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  mutable std::mutex mu_;
  Reply reply_;
  std::vector<Call> calls_;
};

}  // namespace weir::testing
