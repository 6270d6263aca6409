#include "exporters/debug/factory.h"

#include <unistd.h>

#include <chrono>
#include <mutex>

#include "exporters/debug/format.h"
#include "exporters/helper/queued_exporter.h"

namespace weir::exporters::debug {
namespace {

struct Config : pipeline::ComponentConfig {
  Verbosity verbosity = Verbosity::kBasic;  // verbosity: basic (default), normal, detailed
  int sampling_initial = 2;     // sampling_initial: batches written each second before sampling
  int sampling_thereafter = 1;  // sampling_thereafter: then every Nth batch of that second
};

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

std::unique_ptr<pipeline::ComponentConfig> Factory::DecodeConfig(config::Node node) const {
  auto cfg = std::make_unique<Config>();
  std::string verbosity;
  if (node.Read("verbosity", &verbosity)) {
    if (verbosity == "basic")
      cfg->verbosity = Verbosity::kBasic;
    else if (verbosity == "normal")
      cfg->verbosity = Verbosity::kNormal;
    else if (verbosity == "detailed")
      cfg->verbosity = Verbosity::kDetailed;
    else
      node.ErrorAt("verbosity", "expected basic, normal or detailed");
  }
  if (node.Read("sampling_initial", &cfg->sampling_initial) && cfg->sampling_initial < 0) {
    node.ErrorAt("sampling_initial", "must not be negative");
  }
  if (node.Read("sampling_thereafter", &cfg->sampling_thereafter) && cfg->sampling_thereafter < 1) {
    node.ErrorAt("sampling_thereafter", "must be at least 1");
  }
  std::string use_internal_logger;
  node.Read("use_internal_logger", &use_internal_logger);
  node.RejectUnknownKeys();
  return cfg;
}

absl::StatusOr<std::unique_ptr<pipeline::TracesExporter>> Factory::CreateTraces(
    const pipeline::Settings& settings, const pipeline::ComponentConfig& config) const {
  helper::ExporterOptions options;
  options.queue.enabled = false;
  return std::make_unique<helper::QueuedExporter>(
      settings, options, std::make_unique<StdoutSender>(pipeline::ConfigAs<Config>(config)));
}

}  // namespace weir::exporters::debug
