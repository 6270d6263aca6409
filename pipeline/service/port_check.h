// Checking, before anything binds, that the ports a configuration listens on are free.
//
// Start-up and reload use this so that a port in use is reported on weir's own log line, naming
// the port and the component, before a server library tries to bind it (gRPC would log its own
// errors and then give no reason), and so that a reload only binds once the retired service's
// listeners are really closed.
//
// Threading: stateless; call from any thread.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pipeline/service/service_config.h"

namespace weir::service {

// Whether `listener`'s endpoint can be bound now (as the servers bind it, with SO_REUSEADDR).
// OK for port 0. Unavailable "<owner>: cannot listen on <endpoint>: port <n> is in use
// (<reason>)" when the port is taken; InvalidArgument / NotFound when the endpoint does not
// resolve.
absl::Status CheckPortFree(const Listener& listener);

// Waits until every listener's port can be bound, checking every few milliseconds, or until
// `until` has passed. Returns OK, or CheckPortFree's error for the first listener still refused
// at `until`. With `until` in the past it checks once.
absl::Status WaitForPortsFree(const std::vector<Listener>& listeners, absl::Time until);

// The listeners of `wanted` that share a port number with one of `held` (a port the running
// service listens on, to be released before `wanted` can bind it), and the others.
void SplitByHeldPorts(const std::vector<Listener>& wanted, const std::vector<Listener>& held,
                      std::vector<Listener>* shared, std::vector<Listener>* fresh);

}  // namespace weir::service
