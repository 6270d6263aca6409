// Logger: one line per event on stderr: time, level, component, message.
//
// Threading: all functions are thread-safe; a line is written with one write call so lines
// from different threads never interleave.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace weir::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Sets the lowest level written (default kInfo). Accepts "debug", "info", "warn", "error".
void SetLevel(Level level);
bool ParseLevel(absl::string_view text, Level* level);
bool Enabled(Level level);

// Writes one line: `2026-01-02T03:04:05.678Z info  [component] message`.
void Write(Level level, absl::string_view component, absl::string_view message);

template <typename... Args>
void Info(absl::string_view component, const absl::FormatSpec<Args...>& format,
          const Args&... args) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, component, absl::StrFormat(format, args...));
}
template <typename... Args>
void Warn(absl::string_view component, const absl::FormatSpec<Args...>& format,
          const Args&... args) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, component, absl::StrFormat(format, args...));
}
template <typename... Args>
void Error(absl::string_view component, const absl::FormatSpec<Args...>& format,
           const Args&... args) {
  if (Enabled(Level::kError)) Write(Level::kError, component, absl::StrFormat(format, args...));
}
template <typename... Args>
void Debug(absl::string_view component, const absl::FormatSpec<Args...>& format,
           const Args&... args) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, component, absl::StrFormat(format, args...));
}

// Lets at most one line through per interval and counts what it held back, so a flood of bad
// requests costs one log line per interval: "... (37 similar messages suppressed)".
class RateLimited {
 public:
  explicit RateLimited(std::chrono::seconds interval = std::chrono::seconds(10))
      : interval_(interval) {}

  template <typename... Args>
  void Warn(absl::string_view component, const absl::FormatSpec<Args...>& format,
            const Args&... args) {
    uint64_t suppressed = 0;
    if (!Admit(&suppressed)) return;
    std::string line = absl::StrFormat(format, args...);
    if (suppressed > 0) absl::StrAppend(&line, " (", suppressed, " similar messages suppressed)");
    Write(Level::kWarn, component, line);
  }

 private:
  bool Admit(uint64_t* suppressed);

  std::chrono::seconds interval_;
  std::mutex mu_;
  std::chrono::steady_clock::time_point next_{};
  uint64_t suppressed_ = 0;
};

}  // namespace weir::log
