// HttpSender: delivers batches to an OTLP/HTTP endpoint with HTTP/1.1 POSTs through a
// helper::HttpClient (keep-alive pool, every network step bounded by the send's deadline; see
// exporters/helper/http_client.h).
//
// Each send encodes the batch in the configured encoding and compression and POSTs it with the
// configured headers and the authenticator's header. Responses follow the OTLP/HTTP
// specification: 2xx is success (a partial_success with rejected spans is logged, rate-limited,
// and still counts as delivered); 429 (ResourceExhausted) and 502, 503, 504 (Unavailable) are
// retryable, with the delay of a Retry-After header attached (helper::WithRetryDelay); 500
// (Internal), 501 (Unimplemented), the other 5xx (Internal) and the other 4xx (InvalidArgument)
// are permanent (helper::HttpErrorStatus).
//
// Threading: Send may be called from many threads at once; each uses its own connection.
// Start and Shutdown are called once each, before the first and after the last Send.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "exporters/helper/http_client.h"
#include "exporters/helper/sender.h"
#include "exporters/otlphttp/config.h"
#include "pipeline/auth.h"
#include "pipeline/telemetry/logger.h"

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

  // Sends `auth`'s header with every request from now on. `auth` is borrowed and must outlive
  // the last Send. REQUIRES: called before Start.
  void set_authenticator(const pipeline::ClientAuthenticator* auth) { auth_ = auth; }

 private:
  // The request body for `batch`: encoded, then compressed when configured.
  std::string EncodeBody(const pipeline::TraceBatch& batch) const;
  // Logs the partial success a 2xx answer reports.
  void ReportPartialSuccess(const helper::HttpResponse& response, size_t span_count);

  const std::string id_;
  const Config config_;
  helper::HttpClient client_;
  log::RateLimited partial_success_log_;
  const pipeline::ClientAuthenticator* auth_ = nullptr;  // nullable
};

}  // namespace weir::exporters::otlphttp
