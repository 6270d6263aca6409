#include "pipeline/io_pool.h"

#include "boost/asio/steady_timer.hpp"

namespace weir::pipeline {

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

}  // namespace weir::pipeline
