#include "exporters/file/file_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
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

std::string BackupName(const std::string& path, bool localtime) {
  std::string stem, ext;
  SplitExtension(path, &stem, &ext);
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm;
  if (localtime)
    localtime_r(&secs, &tm);
  else
    gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%S", &tm);
  return absl::StrFormat("%s-%s.%03d%s", stem, stamp, millis, ext);
}

}  // namespace

FileWriter::FileWriter(const Config& config) : config_(config) {}

FileWriter::~FileWriter() { Close(); }

absl::Status FileWriter::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  fs::path parent = fs::path(config_.path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  file_ = std::fopen(config_.path.c_str(), config_.append ? "ab" : "wb");
  if (file_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot open \"", config_.path, "\": ", std::strerror(errno)));
  }
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
  size_ = config_.append ? static_cast<size_t>(fs::file_size(config_.path, ec)) : 0;
  return absl::OkStatus();
}

absl::Status FileWriter::Write(absl::string_view record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ == nullptr) return absl::UnavailableError("file is closed");
  if (config_.rotation.enabled && size_ > 0 &&
      size_ + record.size() > static_cast<size_t>(config_.rotation.max_megabytes) * 1024 * 1024) {
    if (absl::Status s = RotateLocked(); !s.ok()) return s;
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

absl::Status FileWriter::RotateLocked() {
  std::fclose(file_);
  file_ = nullptr;
  std::string backup = BackupName(config_.path, config_.rotation.localtime);
  std::error_code ec;
  fs::rename(config_.path, backup, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot rotate \"", config_.path, "\": ", ec.message()));
  }
  file_ = std::fopen(config_.path.c_str(), "wb");
  if (file_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot open \"", config_.path, "\": ", std::strerror(errno)));
  }
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
  size_ = 0;
  PruneBackupsLocked();
  return absl::OkStatus();
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
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
  }
}

}  // namespace weir::exporters::file
