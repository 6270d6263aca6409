#include "exporters/helper/resolver.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace weir::exporters::helper {
namespace {

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

TEST(Resolver, AnAddressIsNotLookedUp) {
  Resolver resolver("127.0.0.1", 4318);
  bool timed_out = false;
  auto endpoints = resolver.Resolve(absl::InfinitePast(), &timed_out);  // no time needed
  ASSERT_TRUE(endpoints.ok()) << endpoints.status();
  ASSERT_EQ(endpoints->size(), 1u);
  EXPECT_EQ((*endpoints)[0].port(), 4318);
  EXPECT_FALSE(timed_out);
}

TEST(Resolver, ConcurrentLookupsOfANameAllGetItsAddresses) {
  Resolver resolver("localhost", 4318);
  std::vector<std::thread> callers;
  std::atomic<int> resolved{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        bool timed_out = false;
        auto endpoints = resolver.Resolve(Soon(), &timed_out);
        if (endpoints.ok() && !endpoints->empty() && (*endpoints)[0].address().is_loopback()) {
          resolved.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(resolved.load(), 40);
}

TEST(Resolver, AnUnknownNameIsUnavailable) {
  Resolver resolver("no-such-host.invalid", 4318);
  bool timed_out = false;
  auto endpoints = resolver.Resolve(Soon(), &timed_out);
  EXPECT_FALSE(endpoints.ok());
  if (!timed_out) EXPECT_TRUE(absl::IsUnavailable(endpoints.status())) << endpoints.status();
}

TEST(Resolver, FailsOnceShutDown) {
  Resolver resolver("localhost", 4318);
  bool timed_out = false;
  ASSERT_TRUE(resolver.Resolve(Soon(), &timed_out).ok());
  resolver.Shutdown();
  resolver.Shutdown();  // idempotent
  auto endpoints = resolver.Resolve(Soon(), &timed_out);
  EXPECT_TRUE(absl::IsUnavailable(endpoints.status())) << endpoints.status();
}

}  // namespace
}  // namespace weir::exporters::helper
