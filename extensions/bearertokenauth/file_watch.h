// FileWatch: tells when a file may have changed, so that credentials read from it can be
// re-read without a restart. It watches the file's directory with inotify, which also sees a
// file replaced by rename (editors, `mv`) and the symlink swap Kubernetes uses to update a
// mounted Secret or ConfigMap. Any change in the directory is reported; the callback re-reads
// and compares, which keeps the watch simple and never misses a replacement.
//
// Threading: Start and Stop on one thread (the control thread). `on_change` runs on the
// watch's own thread, one call at a time, never after Stop returned.
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace weir::extensions::bearertokenauth {

class FileWatch {
 public:
  // Watches `path` once started; calls `on_change` after each batch of changes.
  FileWatch(std::string path, std::function<void()> on_change);
  // Stops.
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Starts the watch thread. Returns Internal when inotify is unavailable, NotFound when the
  // file's directory cannot be watched. REQUIRES: called at most once.
  absl::Status Start();
  // Wakes the watch thread and joins it; no callback runs once it returns. Idempotent; safe
  // without Start.
  void Stop();

 private:
  void Run();

  const std::string path_;
  const std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd Stop writes to
  std::thread thread_;
};

}  // namespace weir::extensions::bearertokenauth
