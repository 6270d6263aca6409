#include "exporters/file/file_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace weir::exporters::file {

namespace fs = std::filesystem;

namespace {

// Splits "dir/traces.json" into "dir/traces" and ".json".
void SplitExtension(const std::string& path, std::string* stem, std::string* ext) {
  fs::path p(path);
  *ext = p.extension().string();
  *stem = path.substr(0, path.size() - ext->size());
}

// "dir/traces-2026-01-02T03-04-05.678.json" for "dir/traces.json" at `when`.
std::string BackupName(const std::string& path, absl::Time when, bool localtime) {
  std::string stem, ext;
  SplitExtension(path, &stem, &ext);
  int64_t unix_millis = absl::ToUnixMillis(when);
  std::time_t secs = static_cast<std::time_t>(unix_millis / 1000);
  int millis = static_cast<int>(unix_millis % 1000);
  std::tm tm;
  if (localtime)
    localtime_r(&secs, &tm);
  else
    gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%S", &tm);
  return absl::StrFormat("%s-%s.%03d%s", stem, stamp, millis, ext);
}

// How many later milliseconds a rotation tries when names are taken, before it gives up.
constexpr int kMaxBackupNameTries = 10000;

}  // namespace

FileWriter::FileWriter(const Config& config, std::function<absl::Time()> now)
    : config_(config), now_(std::move(now)) {}

FileWriter::~FileWriter() { Close(); }

namespace {

// True the first time `path` is opened by this process. A reload builds a new file exporter
// for the same path while the old one may still be draining into it: the file is truncated
// (without `append`) only when the process first opens it, never by a reload.
bool FirstOpenInProcess(const std::string& path) {
  static std::mutex mu;
  static std::set<std::string>* opened = new std::set<std::string>();
  std::error_code ec;
  std::string key = fs::absolute(path, ec).lexically_normal().string();
  if (ec) key = path;
  std::lock_guard<std::mutex> lock(mu);
  return opened->insert(key).second;
}

}  // namespace

absl::Status FileWriter::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  fs::path parent = fs::path(config_.path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  closed_ = false;
  if (FirstOpenInProcess(config_.path) && !config_.append) {
    if (std::FILE* f = std::fopen(config_.path.c_str(), "wb")) std::fclose(f);  // truncate
  }
  // Always appending (O_APPEND): an earlier graph's writer still draining into the same file
  // adds at its end too instead of writing over what this one wrote.
  return OpenLocked("ab");
}

absl::Status FileWriter::OpenLocked(const char* mode) {
  file_ = std::fopen(config_.path.c_str(), mode);
  if (file_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot open \"", config_.path, "\": ", std::strerror(errno)));
  }
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
  std::error_code ec;
  size_ = mode[0] == 'a' ? static_cast<size_t>(fs::file_size(config_.path, ec)) : 0;
  if (ec) size_ = 0;
  return absl::OkStatus();
}

absl::Status FileWriter::Write(absl::string_view record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return absl::UnavailableError("file is closed");
  // A failed rotation or reopen left no file: try again now.
  if (file_ == nullptr) {
    if (absl::Status s = OpenLocked("ab"); !s.ok()) return s;
  }
  if (config_.rotation.enabled && size_ > 0 &&
      size_ + record.size() > static_cast<size_t>(config_.rotation.max_megabytes) * 1024 * 1024) {
    if (absl::Status s = RotateLocked(); !s.ok()) {
      if (file_ == nullptr) return s;
      rotate_log_.Warn("exporter/file", "%s; still writing to \"%s\"", s.message(), config_.path);
    }
  }
  if (std::fwrite(record.data(), 1, record.size(), file_) != record.size()) {
    return absl::UnavailableError(
        absl::StrCat("write to \"", config_.path, "\" failed: ", std::strerror(errno)));
  }
  size_ += record.size();
  return absl::OkStatus();
}

absl::Status FileWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  return FlushLocked();
}

absl::Status FileWriter::FlushLocked() {
  if (file_ != nullptr && std::fflush(file_) != 0) {
    return absl::UnavailableError(
        absl::StrCat("flush of \"", config_.path, "\" failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string FileWriter::FreeBackupNameLocked() {
  // Whole milliseconds, as the name shows them, and later than the last backup's.
  absl::Time when = std::max(absl::FromUnixMillis(absl::ToUnixMillis(now_())),
                             last_backup_ + absl::Milliseconds(1));
  std::string name = BackupName(config_.path, when, config_.rotation.localtime);
  std::error_code ec;
  for (int i = 0; i < kMaxBackupNameTries && fs::exists(name, ec); ++i) {
    when += absl::Milliseconds(1);
    name = BackupName(config_.path, when, config_.rotation.localtime);
  }
  last_backup_ = when;
  return name;
}

absl::Status FileWriter::RotateLocked() {
  std::fclose(file_);
  file_ = nullptr;
  std::string backup = FreeBackupNameLocked();
  std::error_code ec;
  if (fs::exists(backup, ec)) ec = std::make_error_code(std::errc::file_exists);
  if (!ec) fs::rename(config_.path, backup, ec);
  if (ec) {
    // Keep the output going: append to the file if it is still there, else start a new one.
    // The next write past the limit tries to rotate again.
    if (absl::Status s = OpenLocked("ab"); !s.ok()) return s;
    return absl::UnavailableError(
        absl::StrCat("cannot rotate \"", config_.path, "\" to \"", backup, "\": ", ec.message()));
  }
  absl::Status s = OpenLocked("wb");
  PruneBackupsLocked();
  return s;
}

void FileWriter::PruneBackupsLocked() {
  std::string stem, ext;
  SplitExtension(config_.path, &stem, &ext);
  fs::path dir = fs::path(config_.path).parent_path();
  if (dir.empty()) dir = ".";
  std::string prefix = fs::path(stem).filename().string() + "-";
  std::vector<fs::path> backups;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, prefix) && absl::EndsWith(name, ext) &&
        name.size() == prefix.size() + 23 + ext.size()) {
      backups.push_back(entry.path());
    }
  }
  // Names sort by time: the timestamp has a fixed width.
  std::sort(backups.begin(), backups.end());
  const auto& r = config_.rotation;
  if (r.max_days > 0) {
    auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24 * r.max_days);
    std::erase_if(backups, [&](const fs::path& p) {
      std::error_code e;
      if (fs::last_write_time(p, e) < cutoff) {
        fs::remove(p, e);
        return true;
      }
      return false;
    });
  }
  if (r.max_backups > 0 && backups.size() > static_cast<size_t>(r.max_backups)) {
    size_t excess = backups.size() - static_cast<size_t>(r.max_backups);
    for (size_t i = 0; i < excess; ++i) fs::remove(backups[i], ec);
  }
}

void FileWriter::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
}

}  // namespace weir::exporters::file
