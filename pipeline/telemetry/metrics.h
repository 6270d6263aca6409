// Telemetry: weir's own metrics, in one Prometheus registry, with otelcol's metric names and
// labels so existing dashboards and alerts work. Components do not define framework metrics
// themselves; they get them from the helpers below.
//
// Threading: everything here is thread-safe (prometheus-cpp metrics are atomic).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace weir::telemetry {

class Telemetry {
 public:
  Telemetry();

  prometheus::Registry& registry() { return *registry_; }

  // Refreshes the process gauges (CPU seconds, RSS, uptime) and those of every OnScrape hook,
  // and returns the Prometheus text exposition of every metric.
  std::string Scrape();

  // The sum over every series of counter or gauge `name` (0 when there is none).
  double Sum(const std::string& name) const;

  // Runs `refresh` at every Scrape, before serialising (gauges read from elsewhere, e.g. the
  // memory budget). Register hooks before serving scrapes; they live as long as this object.
  void OnScrape(std::function<void()> refresh);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::chrono::steady_clock::time_point start_;
  prometheus::Gauge* uptime_;
  prometheus::Gauge* cpu_seconds_;
  prometheus::Gauge* rss_bytes_;
  std::mutex hooks_mu_;
  std::vector<std::function<void()>> hooks_;  // guarded by hooks_mu_
};

// otelcol_receiver_accepted_spans / otelcol_receiver_refused_spans {receiver, transport};
// weir_receiver_refused_requests {receiver, transport}: requests refused before their spans
// were read (the memory limit, authentication), whose span count is unknown; and
// weir_receiver_unauthenticated_requests {receiver, transport}: those of them refused by the
// protocol's authenticator.
class ReceiverMetrics {
 public:
  ReceiverMetrics(Telemetry& telemetry, const std::string& receiver, const std::string& transport);
  void Accepted(size_t spans) { accepted_->Increment(static_cast<double>(spans)); }
  void Refused(size_t spans) { refused_->Increment(static_cast<double>(spans)); }
  void RefusedRequest() { refused_requests_->Increment(); }
  // A request refused by the authenticator: counted in both request counters.
  void Unauthenticated() {
    refused_requests_->Increment();
    unauthenticated_requests_->Increment();
  }

 private:
  prometheus::Counter* accepted_;
  prometheus::Counter* refused_;
  prometheus::Counter* refused_requests_;
  prometheus::Counter* unauthenticated_requests_;
};

// otelcol_processor_incoming_items / otelcol_processor_outgoing_items {processor, otel_signal}:
// the spans handed to a processor and the spans it handed on. The service counts them on the
// edges of the pipeline, so processors do not.
class ProcessorMetrics {
 public:
  ProcessorMetrics(Telemetry& telemetry, const std::string& processor);
  prometheus::Counter* incoming() const { return incoming_; }
  prometheus::Counter* outgoing() const { return outgoing_; }

 private:
  prometheus::Counter* incoming_;
  prometheus::Counter* outgoing_;
};

// otelcol_exporter_sent_spans, _send_failed_spans, _enqueue_failed_spans, _queue_size and
// _queue_capacity {exporter}; and weir's own weir_exporter_handoff_latency_seconds {exporter}:
// receipt of the oldest span in a batch → the batch reaching the exporter (decode, processors
// and time spent waiting in a batch processor included).
class ExporterMetrics {
 public:
  ExporterMetrics(Telemetry& telemetry, const std::string& exporter);
  void Sent(size_t spans) { sent_->Increment(static_cast<double>(spans)); }
  void SendFailed(size_t spans) { send_failed_->Increment(static_cast<double>(spans)); }
  void EnqueueFailed(size_t spans) { enqueue_failed_->Increment(static_cast<double>(spans)); }
  void QueueSize(size_t n) { queue_size_->Set(static_cast<double>(n)); }
  void QueueCapacity(size_t n) { queue_capacity_->Set(static_cast<double>(n)); }
  // Observes the time from a batch's receipt (steady ns; 0 = unknown) to its hand-off to the
  // exporter.
  void HandedOff(int64_t received_at_ns);

 private:
  prometheus::Counter* sent_;
  prometheus::Counter* send_failed_;
  prometheus::Counter* enqueue_failed_;
  prometheus::Gauge* queue_size_;
  prometheus::Gauge* queue_capacity_;
  prometheus::Histogram* handoff_latency_;
};

}  // namespace weir::telemetry
