#include "exporters/helper/resolver.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/address.hpp"

namespace weir::exporters::helper {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;

Resolver::Resolver(std::string host, int port) : host_(std::move(host)), port_(port) {}

Resolver::~Resolver() { Shutdown(); }

absl::StatusOr<std::vector<tcp::endpoint>> Resolver::Resolve(absl::Time deadline, bool* timed_out) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(host_, ec);
  if (!ec) return std::vector<tcp::endpoint>{tcp::endpoint(address, static_cast<uint16_t>(port_))};

  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return absl::UnavailableError("shutting down");
  // Join the lookup that runs, else the one waiting to run, else ask for one.
  std::shared_ptr<Lookup> lookup = running_ ? running_ : wanted_;
  if (lookup == nullptr) {
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread([this] { Run(); });
      } catch (const std::exception& e) {
        return absl::UnavailableError(absl::StrCat("cannot start resolving: ", e.what()));
      }
    }
    wanted_ = lookup = std::make_shared<Lookup>();
    cv_.notify_all();
  }
  if (!cv_.wait_until(lock, absl::ToChronoTime(deadline),
                      [&] { return lookup->done || stopping_; })) {
    *timed_out = true;
    return absl::DeadlineExceededError("timed out");
  }
  if (!lookup->done) return absl::UnavailableError("shutting down");
  if (!lookup->error.empty()) return absl::UnavailableError(lookup->error);
  if (lookup->endpoints.empty()) return absl::UnavailableError("no addresses");
  return lookup->endpoints;
}

void Resolver::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || wanted_ != nullptr; });
    if (stopping_) return;
    running_ = std::move(wanted_);
    wanted_ = nullptr;
    lock.unlock();
    std::vector<tcp::endpoint> endpoints;
    std::string error;
    try {
      asio::io_context io(1);
      tcp::resolver resolver(io);
      boost::system::error_code ec;
      auto results = resolver.resolve(host_, std::to_string(port_), ec);
      if (ec) {
        error = ec.message();
      } else {
        for (const auto& entry : results) endpoints.push_back(entry.endpoint());
      }
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "resolution failed";
    }
    lock.lock();
    running_->endpoints = std::move(endpoints);
    running_->error = std::move(error);
    running_->done = true;
    running_ = nullptr;
    cv_.notify_all();
  }
}

void Resolver::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace weir::exporters::helper
