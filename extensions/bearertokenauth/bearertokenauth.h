// The `bearertokenauth` extension: a static token, from the config or from a file, as
// otelcol's bearertokenauthextension.
//
//   - As a server authenticator (receiver `auth`), a request is let through when its `header`
//     equals "<scheme> <token>" for one of the configured tokens, compared in constant time;
//     otherwise it is refused as unauthenticated.
//   - As a client authenticator (exporter `auth`), every request carries
//     `header: <scheme> <first token>`.
// With `filename`, the tokens come from the file, which is watched: a rotated token takes
// effect without a restart. A file that cannot be read or holds no token leaves the tokens in
// use unchanged (logged). A file that cannot be read at Start fails Start.
//
// Threading: Start and Shutdown from the control thread; Authenticate and RequestHeader from any
// thread, concurrently with each other and with a reload on the watch thread. The tokens are an
// immutable snapshot swapped under a mutex, so a request sees either the old set or the new.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "extensions/bearertokenauth/config.h"
#include "extensions/bearertokenauth/file_watch.h"
#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::extensions::bearertokenauth {

class BearerTokenAuth final : public pipeline::Extension,
                              public pipeline::ServerAuthenticator,
                              public pipeline::ClientAuthenticator {
 public:
  // Copies `config`; the tokens of token / tokens are in use at once, those of filename from
  // Start.
  BearerTokenAuth(const pipeline::Settings& settings, const Config& config);
  ~BearerTokenAuth() override;

  // With filename: reads the file (FailedPrecondition naming it when it cannot be read or holds
  // no token) and starts watching it.
  absl::Status Start(pipeline::Host& host) override;
  // Stops the file watch and joins its thread. Idempotent.
  void Shutdown(absl::Time deadline) override;

  // ServerAuthenticator: OK when `header` holds "<scheme> <token>" for a configured token;
  // Unauthenticated ("missing Authorization header", "bearer token does not match") otherwise.
  absl::Status Authenticate(pipeline::HeaderLookup header) const override;
  // `Bearer realm="weir"` (the configured scheme).
  std::string Challenge() const override;

  // ClientAuthenticator: {header, "<scheme> <first token>"}.
  std::pair<std::string, std::string> RequestHeader() const override;

  // How many different token sets the file has given (0 without filename): 1 after Start, one
  // more each time a change of the file brings other tokens. Events in the directory that leave
  // the tokens as they are (other files, a rewrite with the same content) do not count. For
  // tests and logs. WaitForGeneration blocks until the count reaches `n` or `timeout` passes
  // and returns whether it did.
  uint64_t generation() const;
  bool WaitForGeneration(uint64_t n, absl::Duration timeout) const;

 private:
  // Reads filename; on success swaps in its tokens. Returns what went wrong.
  absl::Status Load();
  std::shared_ptr<const std::vector<std::string>> Expected() const;

  const std::string id_;
  const Config config_;
  const std::string lower_header_;  // the header's name as looked up and as gRPC sends it
  mutable std::mutex mu_;
  mutable std::condition_variable loaded_;  // notified when generation_ grows
  // "<scheme> <token>" for each token, first the one a client sends.
  std::shared_ptr<const std::vector<std::string>> expected_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::string last_file_error_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<FileWatch> watch_;
};

}  // namespace weir::extensions::bearertokenauth
