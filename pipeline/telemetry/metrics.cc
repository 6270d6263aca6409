#include "pipeline/telemetry/metrics.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "prometheus/text_serializer.h"

namespace weir::telemetry {
namespace {

prometheus::Counter* CounterIn(prometheus::Registry& registry, const std::string& name,
                               const std::string& help, const prometheus::Labels& labels) {
  return &prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

prometheus::Gauge* GaugeIn(prometheus::Registry& registry, const std::string& name,
                           const std::string& help, const prometheus::Labels& labels) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
}

// Reads utime+stime (clock ticks) and RSS (pages) of this process from /proc.
void ReadProcessStats(double* cpu_seconds, double* rss_bytes) {
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may contain spaces.
  size_t close = content.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  long long rss_pages = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
    if (i == 24) {
      rss_pages = std::stoll(field);
      break;
    }
  }
  static const long ticks = sysconf(_SC_CLK_TCK);
  static const long page = sysconf(_SC_PAGESIZE);
  *cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks);
  *rss_bytes = static_cast<double>(rss_pages) * static_cast<double>(page);
}

}  // namespace

Telemetry::Telemetry()
    : registry_(std::make_shared<prometheus::Registry>()),
      start_(std::chrono::steady_clock::now()) {
  uptime_ = GaugeIn(*registry_, "otelcol_process_uptime", "Uptime of the process in seconds", {});
  cpu_seconds_ = GaugeIn(*registry_, "otelcol_process_cpu_seconds",
                         "Total CPU user and system time in seconds", {});
  rss_bytes_ = GaugeIn(*registry_, "otelcol_process_memory_rss",
                       "Total physical memory (resident set size) in bytes", {});
}

std::string Telemetry::Scrape() {
  uptime_->Set(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  double cpu = 0, rss = 0;
  ReadProcessStats(&cpu, &rss);
  cpu_seconds_->Set(cpu);
  rss_bytes_->Set(rss);
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    for (const auto& hook : hooks_) hook();
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

double Telemetry::Sum(const std::string& name) const {
  double total = 0;
  for (const prometheus::MetricFamily& family : registry_->Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& m : family.metric) {
      total += family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return total;
}

void Telemetry::OnScrape(std::function<void()> refresh) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  hooks_.push_back(std::move(refresh));
}

ReceiverMetrics::ReceiverMetrics(Telemetry& telemetry, const std::string& receiver,
                                 const std::string& transport) {
  prometheus::Labels labels{{"receiver", receiver}, {"transport", transport}};
  accepted_ = CounterIn(telemetry.registry(), "otelcol_receiver_accepted_spans",
                        "Number of spans successfully pushed into the pipeline.", labels);
  refused_ = CounterIn(telemetry.registry(), "otelcol_receiver_refused_spans",
                       "Number of spans that could not be pushed into the pipeline.", labels);
  refused_requests_ =
      CounterIn(telemetry.registry(), "weir_receiver_refused_requests",
                "Number of requests refused before their spans were read (memory limit, "
                "authentication).",
                labels);
  unauthenticated_requests_ = CounterIn(
      telemetry.registry(), "weir_receiver_unauthenticated_requests",
      "Number of requests refused because their credentials were missing or wrong.", labels);
}

ProcessorMetrics::ProcessorMetrics(Telemetry& telemetry, const std::string& processor) {
  prometheus::Labels labels{{"processor", processor}, {"otel_signal", "traces"}};
  incoming_ = CounterIn(telemetry.registry(), "otelcol_processor_incoming_items",
                        "Number of items passed to the processor.", labels);
  outgoing_ = CounterIn(telemetry.registry(), "otelcol_processor_outgoing_items",
                        "Number of items emitted from the processor.", labels);
}

ExporterMetrics::ExporterMetrics(Telemetry& telemetry, const std::string& exporter) {
  prometheus::Labels labels{{"exporter", exporter}};
  auto& r = telemetry.registry();
  sent_ = CounterIn(r, "otelcol_exporter_sent_spans",
                    "Number of spans successfully sent to destination.", labels);
  send_failed_ = CounterIn(r, "otelcol_exporter_send_failed_spans",
                           "Number of spans in failed attempts to send to destination.", labels);
  enqueue_failed_ = CounterIn(r, "otelcol_exporter_enqueue_failed_spans",
                              "Number of spans failed to be added to the sending queue.", labels);
  queue_size_ = GaugeIn(r, "otelcol_exporter_queue_size",
                        "Current size of the retry queue (in batches)", labels);
  queue_capacity_ = GaugeIn(r, "otelcol_exporter_queue_capacity",
                            "Fixed capacity of the retry queue (in batches)", labels);
  static const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,     0.1,     0.25,   0.5,     1,      2.5,   5,      10};
  handoff_latency_ =
      &prometheus::BuildHistogram()
           .Name("weir_exporter_handoff_latency_seconds")
           .Help("Time from receipt of the oldest span in a batch to its hand-off to the exporter")
           .Register(r)
           .Add(labels, kLatencyBuckets);
}

void ExporterMetrics::HandedOff(int64_t received_at_ns) {
  if (received_at_ns == 0) return;
  int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  handoff_latency_->Observe(static_cast<double>(now - received_at_ns) / 1e9);
}

}  // namespace weir::telemetry
