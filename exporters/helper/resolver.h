// Resolver: name resolution of an HTTP client's one host (HttpClient, http_client.h), bounded
// by each caller's deadline, without a thread per lookup.
//
// getaddrinfo cannot be interrupted, so a lookup runs on the resolver's own thread (started by
// the first lookup) while callers wait for it until their deadlines. At most one lookup runs at
// a time: callers that need the name while one runs share its result, and a caller whose
// deadline passes stops waiting while the lookup finishes for whoever asks next. An address
// literal is never looked up. Results are not cached: each new connection resolves afresh, as
// otelcol's HTTP client does, so DNS changes are followed.
//
// Threading: Resolve from any thread. Shutdown (or the destructor) once; it waits for a lookup
// in progress, which the system resolver's own timeouts bound.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"

namespace weir::exporters::helper {

class Resolver {
 public:
  Resolver(std::string host, int port);
  ~Resolver();

  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // The addresses of host:port. Errors: DeadlineExceeded ("timed out", and `*timed_out` set)
  // when `deadline` passed first; Unavailable with the resolver's message when the name does
  // not resolve or has no addresses, or when shut down.
  absl::StatusOr<std::vector<boost::asio::ip::tcp::endpoint>> Resolve(absl::Time deadline,
                                                                      bool* timed_out);

  // Fails later lookups, wakes the callers waiting and joins the lookup thread. Idempotent.
  void Shutdown();

 private:
  struct Lookup {
    bool done = false;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    std::string error;
  };

  void Run();

  const std::string host_;
  const int port_;
  std::mutex mu_;
  // Signalled (notify_all) when a lookup is wanted, when one is done and at shutdown.
  std::condition_variable cv_;
  std::shared_ptr<Lookup> wanted_;   // guarded by mu_: the lookup waiting to run, if any
  std::shared_ptr<Lookup> running_;  // guarded by mu_: the lookup running, if any
  bool stopping_ = false;            // guarded by mu_
  std::thread thread_;               // started under mu_ by the first lookup
};

}  // namespace weir::exporters::helper
