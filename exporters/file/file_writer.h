// FileWriter: the file exporter's output file: buffered appends, periodic flush, and
// size-based rotation with backups named like otelcol's (lumberjack):
// "traces-2026-01-02T03-04-05.678.json" next to "traces.json".
//
// A backup never replaces another: when the name for the current millisecond is taken (two
// rotations within one millisecond, or a backup left by an earlier run), the next free
// millisecond is used, so names stay unique and still sort by time. A rotation that fails
// (the file was moved or deleted, the directory refuses the rename) does not stop the output:
// the file is reopened for appending, the record is written, and the next write past the size
// limit tries to rotate again. Likewise a write that finds the file closed after a failure
// reopens it.
//
// Threading: all methods are thread-safe (one mutex).
#pragma once

#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "exporters/file/config.h"
#include "pipeline/telemetry/logger.h"

namespace weir::exporters::file {

class FileWriter {
 public:
  // `now` gives the wall-clock time that names backups (tests fix it).
  explicit FileWriter(const Config& config, std::function<absl::Time()> now = absl::Now);
  ~FileWriter();

  // Opens (creates, truncating unless append) the file. Returns an error naming the path.
  absl::Status Open();
  // Appends one record (already framed). Rotates first when the record would push the file
  // past rotation.max_megabytes. Returns Unavailable naming the path when the file cannot be
  // (re)opened or written; a failed rotation alone is logged, not returned.
  absl::Status Write(absl::string_view record);
  // Pushes buffered bytes to the file.
  absl::Status Flush();
  void Close();

 private:
  // Moves the file to a fresh backup name and starts a new one. On failure the writer goes on
  // appending to the file at config_.path (reopened if need be) and returns why.
  absl::Status RotateLocked();
  // A backup name no file has: the millisecond of `now`, or a later one.
  std::string FreeBackupNameLocked();
  // Opens config_.path with `mode` ("wb" or "ab") and sets size_ from the file.
  absl::Status OpenLocked(const char* mode);
  void PruneBackupsLocked();
  absl::Status FlushLocked();

  Config config_;
  std::function<absl::Time()> now_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;  // guarded by mu_
  size_t size_ = 0;            // guarded by mu_: bytes in the current file, buffered included
  bool closed_ = true;         // guarded by mu_: before Open and after Close; no reopening
  // guarded by mu_: the time in the newest backup name, so that names only grow.
  absl::Time last_backup_ = absl::InfinitePast();
  log::RateLimited rotate_log_;
};

}  // namespace weir::exporters::file
