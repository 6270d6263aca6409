#include "exporters/file/exporter.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "exporters/file/config.h"
#include "exporters/file/file_writer.h"
#include "exporters/helper/queued_exporter.h"
#include "pipeline/otlp/json.h"

namespace weir::exporters::file {
namespace {

// Writes records and flushes them every flush_interval on its own thread.
class FileSender final : public helper::Sender {
 public:
  explicit FileSender(const Config& config) : config_(config), writer_(config) {}
  ~FileSender() override { Shutdown(); }

  absl::Status Start() override {
    if (absl::Status s = writer_.Open(); !s.ok()) return s;
    flusher_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_) {
        cv_.wait_for(lock, absl::ToChronoNanoseconds(config_.flush_interval));
        (void)writer_.Flush();
      }
    });
    return absl::OkStatus();
  }

  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time) override {
    return writer_.Write(EncodeRecord(batch, config_.format));
  }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    (void)writer_.Flush();
    writer_.Close();
  }

 private:
  Config config_;
  FileWriter writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread flusher_;
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
    : QueuedExporter(settings, Options(), std::make_unique<FileSender>(config)) {}

helper::ExporterOptions Exporter::Options() {
  helper::ExporterOptions options;
  options.queue.enabled = false;  // local writes are fast; ordering is kept
  return options;
}

}  // namespace weir::exporters::file
