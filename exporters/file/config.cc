#include "exporters/file/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace weir::exporters::file {
namespace {

// Why weir could not create or append to `path`, or "" when it can: checked at config time so
// that `weir validate` reports it, without creating anything. Missing parent directories are
// created when the exporter starts, so the nearest one that exists must be a writable directory.
std::string PathProblem(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return "is a directory";
    if (::access(path.c_str(), W_OK) != 0) {
      return absl::StrCat("is not writable: ", std::strerror(errno));
    }
    return "";
  }
  if (errno != ENOENT && errno != ENOTDIR) {
    return absl::StrCat("cannot be accessed: ", std::strerror(errno));
  }
  std::string dir = path;
  while (true) {
    size_t slash = dir.find_last_of('/');
    dir = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
    if (::stat(dir.c_str(), &st) == 0) break;
    if (errno != ENOENT && errno != ENOTDIR) {
      return absl::StrCat("cannot be created: \"", dir, "\": ", std::strerror(errno));
    }
    if (dir == "." || dir == "/") return absl::StrCat("cannot be created: no \"", dir, "\"");
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::StrCat("cannot be created: \"", dir, "\" is not a directory");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return absl::StrCat("cannot be created: directory \"", dir, "\" is not writable");
  }
  return "";
}

}  // namespace

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  if (node.ReadRequired("path", &cfg->path)) {
    if (std::string problem = PathProblem(cfg->path); !problem.empty()) {
      node.ErrorAt("path", absl::StrCat("\"", cfg->path, "\" ", problem));
    }
  }
  std::string format;
  if (node.Read("format", &format)) {
    if (format == "json")
      cfg->format = Format::kJson;
    else if (format == "proto")
      cfg->format = Format::kProto;
    else
      node.ErrorAt("format", "expected json or proto");
  }
  node.Read("append", &cfg->append);
  if (node.Read("flush_interval", &cfg->flush_interval) &&
      cfg->flush_interval <= absl::ZeroDuration()) {
    node.ErrorAt("flush_interval", "must be greater than 0");
  }
  config::Node rotation = node.Child("rotation");
  if (rotation.Has("max_megabytes") || rotation.Has("max_days") || rotation.Has("max_backups") ||
      rotation.Has("localtime") || rotation.IsMap()) {
    RotationConfig& r = cfg->rotation;
    r.enabled = true;
    if (rotation.Read("max_megabytes", &r.max_megabytes) && r.max_megabytes < 1) {
      rotation.ErrorAt("max_megabytes", "must be at least 1");
    }
    if (rotation.Read("max_days", &r.max_days) && r.max_days < 0) {
      rotation.ErrorAt("max_days", "must not be negative");
    }
    if (rotation.Read("max_backups", &r.max_backups) && r.max_backups < 0) {
      rotation.ErrorAt("max_backups", "must not be negative");
    }
    rotation.Read("localtime", &r.localtime);
    rotation.RejectUnknownKeys();
    if (cfg->append) node.ErrorAt("append", "append cannot be combined with rotation");
  } else if (rotation.IsSet()) {
    rotation.Error("expected a mapping");
  }
  if (node.Child("compression").IsSet()) {
    node.ErrorAt("compression", "compressed output is not supported");
  }
  if (node.Child("group_by").IsSet()) {
    node.ErrorAt("group_by", "group_by is not supported");
  }
  node.RejectUnknownKeys();
  return cfg;
}

}  // namespace weir::exporters::file
