// UdpServer: the Jaeger agent's UDP intake. One reader thread receives datagrams into a
// bounded queue (queue_size); `workers` threads take them and call the handler. UDP has no
// pushback, so what cannot be taken is dropped and counted by reason:
//   queue_full   the workers are behind and the queue holds queue_size datagrams
//   too_large    the datagram was longer than max_packet_size (it arrives cut; never decoded)
// (malformed datagrams and pipeline refusals are counted by the handler).
//
// Memory is bounded by queue_size × max_packet_size plus one datagram per worker.
//
// Threading: Start and Shutdown from the control thread. The handler runs on the worker
// threads, concurrently. Shutdown stops reading (at once, even under a flood), lets the workers
// finish what is queued until the deadline (it was received, so it is delivered) and drops
// what is left then (counted as queue_full), and joins every thread; no handler runs after it
// returns.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "receivers/jaeger/config.h"

namespace weir::receivers::jaeger {

class UdpServer {
 public:
  using Handler = std::function<void(absl::string_view datagram, absl::string_view client)>;

  // `queue_full` and `too_large` are borrowed counters. `name` names the server in logs.
  UdpServer(std::string name, const UdpConfig& config, Handler handler,
            prometheus::Counter* queue_full, prometheus::Counter* too_large);
  ~UdpServer();

  UdpServer(const UdpServer&) = delete;
  UdpServer& operator=(const UdpServer&) = delete;

  // Binds the endpoint (with socket_buffer_size as SO_RCVBUF when set) and starts the threads.
  // Unavailable naming the endpoint when it cannot bind.
  absl::Status Start();
  // "127.0.0.1:6831" as bound; valid after Start.
  const std::string& address() const { return address_; }
  void Shutdown(absl::Time deadline = absl::InfiniteFuture());

 private:
  struct Datagram {
    std::string bytes;
    std::string client;
  };
  void ReadLoop();
  void WorkLoop();

  const std::string name_;
  const UdpConfig config_;
  const Handler handler_;
  prometheus::Counter* const queue_full_;
  prometheus::Counter* const too_large_;
  int fd_ = -1;
  int stop_fd_ = -1;  // an eventfd that wakes the reader for shutdown
  std::string address_;
  std::thread reader_;
  std::vector<std::thread> workers_;

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Datagram> queue_;  // guarded by mu_
  // Buffers of handled datagrams, reused by the reader (at most queue_size + workers exist),
  // so a datagram costs no allocation of its size.
  std::vector<std::string> spare_;                   // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  absl::Time drain_until_ = absl::InfiniteFuture();  // guarded by mu_
  std::atomic<bool> stop_reading_{false};
};

}  // namespace weir::receivers::jaeger
