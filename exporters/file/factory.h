// The `file` exporter: writes every batch to a file as one OTLP/JSON line (one export request
// per line, as otelcol's file exporter does, so either tool reads the other's files) or as
// length-prefixed protobuf (4-byte big-endian size, then the request), with periodic flush and
// optional size-based rotation.
#pragma once

#include "absl/strings/string_view.h"
#include "exporters/file/config.h"
#include "pipeline/factory.h"

namespace weir::exporters::file {

class Factory final : public pipeline::ExporterFactory {
 public:
  absl::string_view type() const override { return "file"; }
  std::unique_ptr<pipeline::ComponentConfig> DecodeConfig(config::Node node) const override;
  absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> CreateTraces(
      const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const override;
};

// Encodes one batch as the file exporter writes it (a JSON line, or a length-prefixed
// protobuf record).
std::string EncodeRecord(const pipeline::TraceBatch& batch, Format format);

}  // namespace weir::exporters::file
