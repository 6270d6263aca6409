// The `weir_admin` extension: an HTTP API, on loopback by default, for what an operator
// changes or asks while weir runs (pipeline/sampling_control.h):
//
//   GET    /sampling/boosts            the boosts in force, with their expiry
//   POST   /sampling/boosts            start a boost: {"duration": "15m", "percentage": 100,
//                                        "service": "checkout",
//                                        "attribute": {"key": "tenant", "value": "acme"}}
//                                      (duration required, at most 24h; the rest optional)
//   DELETE /sampling/boosts/ID         end a boost now
//   GET    /sampling/explain/TRACE_ID  why a recently decided trace (32 hex digits) was kept
//                                      or dropped: each policy's vote and the decision
//
// Answers are JSON; a bad request gets 400 with {"error": ...} naming the field. Boosts and
// explanations are process-wide, so they survive a config reload.
//
// Threading: Start and Shutdown from the control thread; requests on the I/O pool.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "extensions/weir_admin/config.h"
#include "pipeline/component.h"
#include "pipeline/net/http_server.h"

namespace weir::extensions::weir_admin {

class WeirAdmin final : public pipeline::Extension {
 public:
  WeirAdmin(const pipeline::Settings& settings, const Config& config);

  // Listens on config.endpoint; the bind error when that fails.
  absl::Status Start(pipeline::Host& host) override;
  void Shutdown(absl::Time deadline) override;

  // The address it listens on, once started (for tests).
  std::string address() const;

 private:
  std::string id_;
  Config config_;
  boost::asio::io_context& io_;
  std::unique_ptr<net::HttpServer> server_;
};

// The answer to one admin request (exposed for tests).
net::HttpResponse HandleAdminRequest(net::HttpRequest& request);

}  // namespace weir::extensions::weir_admin
