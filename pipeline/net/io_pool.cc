#include "pipeline/net/io_pool.h"

#include <sched.h>

#include "boost/asio/steady_timer.hpp"

namespace weir::net {

int UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

IoPool::IoPool(int threads) : thread_count_(threads < 1 ? 1 : threads) {}

IoPool::~IoPool() { Stop(); }

void IoPool::Start() {
  if (!threads_.empty()) return;
  work_.emplace(context_.get_executor());
  for (int i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this] { context_.run(); });
  }
}

void IoPool::Stop() {
  if (threads_.empty()) return;
  work_.reset();
  context_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void SystemClock::RunAfter(Duration delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(context_, delay);
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) fn();
  });
}

}  // namespace weir::net
