// FileWriter: the file exporter's output file: buffered appends, periodic flush, and
// size-based rotation with backups named like otelcol's (lumberjack):
// "traces-2026-01-02T03-04-05.678.json" next to "traces.json".
//
// Threading: all methods are thread-safe (one mutex).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "exporters/file/config.h"

namespace weir::exporters::file {

class FileWriter {
 public:
  explicit FileWriter(const Config& config);
  ~FileWriter();

  // Opens (creates, truncating unless append) the file. Returns an error naming the path.
  absl::Status Open();
  // Appends one record (already framed). Rotates first when the record would push the file
  // past rotation.max_megabytes.
  absl::Status Write(absl::string_view record);
  // Pushes buffered bytes to the file.
  absl::Status Flush();
  void Close();

 private:
  absl::Status RotateLocked();
  void PruneBackupsLocked();
  absl::Status FlushLocked();

  Config config_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;  // guarded by mu_
  size_t size_ = 0;            // bytes in the current file, buffered included
};

}  // namespace weir::exporters::file
