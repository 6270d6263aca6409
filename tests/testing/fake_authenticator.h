// A client authenticator extension for exporter tests: it hands out {name, value}, which a test
// may change between sends (as a rotated credential).
//
// Threading: RequestHeader from any thread; Set from the test's thread.
#pragma once

#include <mutex>
#include <string>
#include <utility>

#include "pipeline/auth.h"
#include "pipeline/component.h"

namespace weir::testing {

class FakeClientAuthenticator final : public pipeline::Extension,
                                      public pipeline::ClientAuthenticator {
 public:
  FakeClientAuthenticator(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  absl::Status Start(pipeline::Host&) override { return absl::OkStatus(); }
  void Shutdown(absl::Time) override {}
  std::pair<std::string, std::string> RequestHeader() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return {name_, value_};
  }
  void Set(std::string value) {
    std::lock_guard<std::mutex> lock(mu_);
    value_ = std::move(value);
  }

 private:
  mutable std::mutex mu_;
  std::string name_;
  std::string value_;
};

}  // namespace weir::testing
