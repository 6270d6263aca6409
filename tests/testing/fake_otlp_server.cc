#include "tests/testing/fake_otlp_server.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pipeline/net/compression.h"
#include "pipeline/otlp/rpc_status.h"
#include "tests/testing/test_certificate.h"

namespace weir::testing {
namespace {

// Bounds what a decompressed request may grow to.
constexpr size_t kMaxMessageBytes = 64 << 20;

}  // namespace

std::shared_ptr<grpc::ServerCredentials> FakeServerCredentials(FakeServerTls tls) {
  if (tls == FakeServerTls::kNone) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls == FakeServerTls::kMutual ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                    : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = SelfSignedCertificate().cert_pem;
  options.pem_key_cert_pairs.push_back(
      {SelfSignedCertificate().key_pem, SelfSignedCertificate().cert_pem});
  return grpc::SslServerCredentials(options);
}

std::string FakeOtlpGrpcServer::Call::Metadata(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string("<absent>") : it->second;
}

// A generic (raw bytes) callback service: any method is accepted and recorded, so the tests see
// the method name the client used.
class FakeOtlpGrpcServer::Service final : public grpc::CallbackGenericService {
 public:
  explicit Service(FakeOtlpGrpcServer* server) : server_(server) {}

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new Reactor(server_, ctx);
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(FakeOtlpGrpcServer* server, grpc::GenericCallbackServerContext* ctx)
        : server_(server), ctx_(ctx) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        FinishOnce(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
        return;
      }
      Reply reply = server_->reply();
      Call call = ToCall();
      call.accepted = reply.answer && reply.code == grpc::StatusCode::OK;
      server_->Record(std::move(call));
      if (!reply.answer) return;  // the client's deadline ends the call
      if (reply.delay > absl::ZeroDuration()) absl::SleepFor(reply.delay);
      if (reply.code != grpc::StatusCode::OK) {
        if (reply.retry_delay) {
          FinishOnce(grpc::Status(reply.code, reply.message,
                                  otlp::EncodeRpcStatusProto(static_cast<int>(reply.code),
                                                             reply.message, reply.retry_delay)));
        } else {
          FinishOnce(grpc::Status(reply.code, reply.message));
        }
        return;
      }
      grpc::Slice slice(reply.response.SerializeAsString());
      response_ = grpc::ByteBuffer(&slice, 1);
      if (!finished_.exchange(true)) {
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      }
    }
    void OnCancel() override { FinishOnce(grpc::Status::CANCELLED); }
    void OnDone() override { delete this; }

   private:
    Call ToCall() const {
      Call call;
      call.method = ctx_->method();
      for (const auto& [key, value] : ctx_->client_metadata()) {
        call.metadata.emplace(std::string(key.data(), key.size()),
                              std::string(value.data(), value.size()));
      }
      std::vector<grpc::Slice> slices;
      (void)request_.Dump(&slices);
      std::string message;
      for (const auto& s : slices) {
        message.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      call.wire_bytes = message.size();
      // Decompression is off (see the constructor), so a compressed message arrives as sent. A
      // gzip stream opens with 1f 8b; a serialized ExportTraceServiceRequest never does (0x1f
      // would be field 3 with the invalid wire type 7).
      if (message.size() >= 2 && message[0] == '\x1f' && message[1] == '\x8b') {
        call.encoding = "gzip";
        absl::StatusOr<std::string> inflated = net::Gunzip(message, kMaxMessageBytes);
        EXPECT_TRUE(inflated.ok()) << inflated.status();
        if (inflated.ok()) call.request = *std::move(inflated);
      } else {
        call.encoding = "identity";
        call.request = std::move(message);
      }
      weir::otlp::ExportRequest decoded;
      if (decoded.ParseFromString(call.request)) {
        for (const auto& rs : decoded.resource_spans()) {
          for (const auto& ss : rs.scope_spans()) call.span_count += ss.spans_size();
        }
        call.decoded = std::move(decoded);
      }
      return call;
    }
    void FinishOnce(const grpc::Status& status) {
      if (!finished_.exchange(true)) Finish(status);
    }

    FakeOtlpGrpcServer* server_;
    grpc::GenericCallbackServerContext* ctx_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
    std::atomic<bool> finished_{false};
  };

  FakeOtlpGrpcServer* server_;
};

FakeOtlpGrpcServer::FakeOtlpGrpcServer(FakeServerTls tls) : FakeOtlpGrpcServer(Reply(), tls) {}

FakeOtlpGrpcServer::FakeOtlpGrpcServer(Reply reply, FakeServerTls tls)
    : service_(std::make_unique<Service>(this)), reply_(std::move(reply)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", FakeServerCredentials(tls), &port_);
  // The server keeps compressed messages as they came, so each call records its encoding.
  builder.AddChannelArgument(GRPC_ARG_ENABLE_PER_MESSAGE_DECOMPRESSION, 0);
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  EXPECT_NE(server_, nullptr);
  EXPECT_NE(port_, 0);
}

FakeOtlpGrpcServer::~FakeOtlpGrpcServer() {
  if (!server_) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
}

std::string FakeOtlpGrpcServer::address() const { return absl::StrCat("127.0.0.1:", port_); }

void FakeOtlpGrpcServer::set_reply(Reply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  reply_ = std::move(reply);
}

FakeOtlpGrpcServer::Reply FakeOtlpGrpcServer::reply() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reply_;
}

std::vector<FakeOtlpGrpcServer::Call> FakeOtlpGrpcServer::calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

size_t FakeOtlpGrpcServer::span_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Call& call : calls_) n += call.span_count;
  return n;
}

size_t FakeOtlpGrpcServer::accepted_span_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Call& call : calls_)
    if (call.accepted) n += call.span_count;
  return n;
}

void FakeOtlpGrpcServer::Record(Call call) {
  std::lock_guard<std::mutex> lock(mu_);
  calls_.push_back(std::move(call));
}

}  // namespace weir::testing
