// The `file` exporter: writes every batch to a file as one OTLP/JSON line (one export request
// per line, as otelcol's file exporter does, so either tool reads the other's files) or as
// length-prefixed protobuf (4-byte big-endian size, then the request), with periodic flush and
// optional size-based rotation.
//
// Threading: as helper::QueuedExporter; the file is flushed by a timer of the injected clock.
#pragma once

#include <string>

#include "exporters/file/config.h"
#include "exporters/helper/queued_exporter.h"
#include "pipeline/component.h"
#include "pipeline/trace_batch.h"

namespace weir::exporters::file {

class Exporter final : public helper::QueuedExporter {
 public:
  // Copies `config`; the file is opened by Start.
  Exporter(const pipeline::Settings& settings, const Config& config);

 private:
  // No queue: writes happen in order on the caller's thread.
  static helper::ExporterOptions Options();
};

// Encodes one batch as the file exporter writes it (a JSON line, or a length-prefixed
// protobuf record).
std::string EncodeRecord(const pipeline::TraceBatch& batch, Format format);

}  // namespace weir::exporters::file
