#include "exporters/file/exporter.h"

#include <atomic>
#include <chrono>
#include <memory>

#include "exporters/file/config.h"
#include "exporters/file/file_writer.h"
#include "exporters/helper/queued_exporter.h"
#include "pipeline/clock.h"
#include "pipeline/otlp/json.h"

namespace weir::exporters::file {
namespace {

// Writes records and flushes them every flush_interval, on a timer of the injected clock. A
// flush hands at most the 64 KiB write buffer to the page cache (no fsync), short enough for a
// timer callback.
class FileSender final : public helper::Sender {
 public:
  FileSender(const Config& config, pipeline::Clock& clock)
      : config_(config), writer_(config), clock_(clock) {}
  ~FileSender() override { Shutdown(); }

  absl::Status Start() override {
    if (absl::Status s = writer_.Open(); !s.ok()) return s;
    flush_timer_ = clock_.SchedulePeriodic(
        std::chrono::duration_cast<pipeline::Clock::Duration>(
            absl::ToChronoNanoseconds(config_.flush_interval)),
        [this] { (void)writer_.Flush(); });
    return absl::OkStatus();
  }

  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time) override {
    return writer_.Write(EncodeRecord(batch, config_.format));
  }

  void Shutdown() override {
    if (stopped_.exchange(true)) return;
    flush_timer_.Cancel();  // waits for a flush in progress
    (void)writer_.Flush();
    writer_.Close();
  }

 private:
  Config config_;
  FileWriter writer_;
  pipeline::Clock& clock_;
  pipeline::TimerHandle flush_timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

std::string EncodeRecord(const pipeline::TraceBatch& batch, Format format) {
  std::string record;
  if (format == Format::kJson) {
    otlp::AppendRequestJson(batch.ToRequest(), &record);
    record.push_back('\n');
    return record;
  }
  size_t size = batch.ByteSize();
  record.reserve(size + 4);
  for (int shift = 24; shift >= 0; shift -= 8) {
    record.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  batch.AppendProtoTo(&record);
  return record;
}

Exporter::Exporter(const pipeline::Settings& settings, const Config& config)
    : QueuedExporter(settings, Options(), std::make_unique<FileSender>(config, *settings.clock)) {}

helper::ExporterOptions Exporter::Options() {
  helper::ExporterOptions options;
  options.queue.enabled = false;  // local writes are fast; ordering is kept
  return options;
}

}  // namespace weir::exporters::file
