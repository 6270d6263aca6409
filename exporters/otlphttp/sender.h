// HttpSender: delivers batches to an OTLP/HTTP endpoint with HTTP/1.1 POSTs (Boost.Beast, and
// OpenSSL through Boost.Asio for https).
//
// Each send takes a keep-alive connection from a small pool (or opens one), POSTs the batch in
// the configured encoding and compression, reads the answer and returns the connection to the
// pool when the server keeps it open. Every network step (name resolution, connect, TLS
// handshake, write, read) is bounded by the send's deadline: a connection runs its own
// io_context only while its thread waits for one operation, and the stream's timer closes the
// socket at the deadline. Name resolution runs on the Resolver's one thread (resolver.h), which
// a send stops waiting for at its deadline, because getaddrinfo cannot be interrupted.
//
// Responses follow the OTLP/HTTP specification: 2xx is success (a partial_success with
// rejected spans is logged, rate-limited, and still counts as delivered); 429
// (ResourceExhausted) and 502, 503, 504 (Unavailable) are retryable, with the delay of a
// Retry-After header attached (helper::WithRetryDelay); 500 (Internal), 501 (Unimplemented),
// the other 5xx (Internal) and the other 4xx (InvalidArgument) are permanent.
//
// Threading: Send may be called from many threads at once; each uses its own connection (the
// pool is guarded by a mutex). Start and Shutdown are called once each, before the first and
// after the last Send.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "exporters/helper/sender.h"
#include "exporters/otlphttp/config.h"
#include "exporters/otlphttp/resolver.h"
#include "pipeline/auth.h"
#include "pipeline/telemetry/logger.h"

namespace boost::asio::ssl {
class context;
}

namespace weir::exporters::otlphttp {

class HttpSender final : public helper::Sender {
 public:
  // `id` names the exporter in logs ("otlphttp/backend"). Copies what it needs from `config`.
  HttpSender(std::string id, const Config& config);
  ~HttpSender() override;

  // Prepares the TLS context for https URLs (CA, client certificate). Connections open lazily,
  // so an unreachable endpoint is not an error here. Returns FailedPrecondition naming the
  // file when a TLS file cannot be loaded.
  absl::Status Start() override;

  // POSTs `batch` and returns by `deadline`. OK for a 2xx answer. Errors name the URL:
  // ResourceExhausted for 429 and Unavailable for 502, 503 and 504, both with the Retry-After
  // delay when the answer has one; Unavailable for connection, TLS and protocol failures;
  // DeadlineExceeded when the deadline passed first; Internal for 500 and the other 5xx,
  // Unimplemented for 501, InvalidArgument for other answers (4xx); answers carry the status
  // code and up to 200 bytes of the body in the message. FailedPrecondition before Start or
  // after Shutdown.
  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time deadline) override;

  // Closes the idle connections and stops the resolver; later sends fail.
  void Shutdown() override;

  struct Connection;  // one keep-alive connection with its own io_context; defined in sender.cc

  // Sends `auth`'s header with every request from now on. `auth` is borrowed and must outlive
  // the last Send. REQUIRES: called before Start.
  void set_authenticator(const pipeline::ClientAuthenticator* auth) { auth_ = auth; }

 private:
  // The request body for `batch`: encoded, then compressed when configured.
  std::string EncodeBody(const pipeline::TraceBatch& batch) const;
  // Resolves, connects and (for https) completes the TLS handshake by `deadline`.
  absl::StatusOr<std::unique_ptr<Connection>> Connect(absl::Time deadline);
  // An idle connection that still looks open, or null.
  std::unique_ptr<Connection> TakeIdle();
  void ReturnIdle(std::unique_ptr<Connection> connection);
  // Maps an HTTP answer to the result of Send; logs partial success.
  absl::Status Interpret(unsigned status, absl::string_view content_type, const std::string& body,
                         absl::string_view retry_after, size_t span_count);
  // Unavailable (or DeadlineExceeded when `timed_out`) naming the URL and the failed step.
  absl::Status NetworkError(absl::string_view step, absl::string_view detail, bool timed_out) const;

  const std::string id_;
  const Config config_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // https only; set in Start
  log::RateLimited partial_success_log_;
  Resolver resolver_;

  std::mutex mu_;
  bool running_ = false;                           // guarded by mu_
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_; most recent last
  const pipeline::ClientAuthenticator* auth_ = nullptr;  // nullable
};

}  // namespace weir::exporters::otlphttp
