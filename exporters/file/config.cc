#include "exporters/file/config.h"

namespace weir::exporters::file {

std::unique_ptr<Config> DecodeConfig(config::Node node) {
  auto cfg = std::make_unique<Config>();
  node.ReadRequired("path", &cfg->path);
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
