#include "cmd/weir-loadgen/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace weir::loadgen {

double AckedSpansPerSecond(const RunStats& stats) {
  return stats.seconds > 0 ? static_cast<double>(stats.acked_spans) / stats.seconds : 0;
}

std::string FormatTextReport(const RunStats& stats) {
  const LatencyHistogram& h = stats.latency_us;
  const double sent_rate =
      stats.seconds > 0 ? static_cast<double>(stats.sent_spans) / stats.seconds : 0;
  std::string out;
  absl::StrAppendFormat(&out, "requests        %d\n", stats.requests);
  absl::StrAppendFormat(&out, "sent spans      %d\n", stats.sent_spans);
  absl::StrAppendFormat(&out, "acked spans     %d\n", stats.acked_spans);
  absl::StrAppendFormat(&out, "refused spans   %d\n", stats.refused_spans);
  absl::StrAppendFormat(&out, "failed spans    %d\n", stats.failed_spans);
  absl::StrAppendFormat(&out, "rejected spans  %d (partial success)\n", stats.rejected_spans);
  absl::StrAppendFormat(&out, "seconds         %.3f\n", stats.seconds);
  absl::StrAppendFormat(&out, "spans/s         %.0f acked, %.0f sent\n", AckedSpansPerSecond(stats),
                        sent_rate);
  absl::StrAppendFormat(
      &out, "latency us      p50 %d  p90 %d  p99 %d  p99.9 %d  max %d  (%d requests)\n",
      h.Quantile(0.5), h.Quantile(0.9), h.Quantile(0.99), h.Quantile(0.999), h.max(), h.count());
  std::string errors = FormatErrors(stats);
  if (!errors.empty()) absl::StrAppend(&out, "errors\n", errors);
  return out;
}

std::string FormatJsonReport(const RunStats& stats) {
  const LatencyHistogram& h = stats.latency_us;
  return absl::StrFormat(
      "{\"sent_spans\":%d,\"acked_spans\":%d,\"refused_spans\":%d,\"failed_spans\":%d,"
      "\"rejected_spans\":%d,\"requests\":%d,\"seconds\":%.6f,\"spans_per_second\":%.1f,"
      "\"latency_us\":{\"p50\":%d,\"p90\":%d,\"p99\":%d,\"p999\":%d,\"max\":%d}}",
      stats.sent_spans, stats.acked_spans, stats.refused_spans, stats.failed_spans,
      stats.rejected_spans, stats.requests, stats.seconds, AckedSpansPerSecond(stats),
      h.Quantile(0.5), h.Quantile(0.9), h.Quantile(0.99), h.Quantile(0.999), h.max());
}

std::string FormatErrors(const RunStats& stats) {
  std::string out;
  for (const auto& [message, count] : stats.errors) {
    absl::StrAppend(&out, "  ", count, "x ", message, "\n");
  }
  if (stats.other_errors > 0) absl::StrAppend(&out, "  ", stats.other_errors, "x other errors\n");
  return out;
}

}  // namespace weir::loadgen
