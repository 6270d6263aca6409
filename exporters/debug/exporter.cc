#include "exporters/debug/exporter.h"

#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "exporters/debug/format.h"
#include "exporters/helper/queued_exporter.h"

namespace weir::exporters::debug {
namespace {

// Writes each batch to stdout. otelcol's sampling rule bounds the output: in each second, the
// first `sampling_initial` batches and then every `sampling_thereafter`-th are written.
class StdoutSender final : public helper::Sender {
 public:
  explicit StdoutSender(const Config& config) : config_(config) {}

  absl::Status Send(const pipeline::TraceBatch& batch, absl::Time) override {
    if (!Sampled()) return absl::OkStatus();
    std::string text = FormatBatch(batch, config_.verbosity);
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t off = 0; off < text.size();) {
      ssize_t n = ::write(STDOUT_FILENO, text.data() + off, text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

 private:
  bool Sampled() {
    std::lock_guard<std::mutex> lock(mu_);
    auto second = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now().time_since_epoch());
    if (second != window_) {
      window_ = second;
      count_ = 0;
    }
    ++count_;
    if (count_ <= config_.sampling_initial) return true;
    return (count_ - config_.sampling_initial) % config_.sampling_thereafter == 0;
  }

  Config config_;
  std::mutex mu_;
  std::chrono::seconds window_{0};
  int count_ = 0;
};

}  // namespace

Exporter::Exporter(const pipeline::Settings& settings, const Config& config)
    : QueuedExporter(settings, Options(), std::make_unique<StdoutSender>(config)) {}

helper::ExporterOptions Exporter::Options() {
  helper::ExporterOptions options;
  options.queue.enabled = false;
  return options;
}

}  // namespace weir::exporters::debug
