// RunStats: what weir-loadgen observed during the measured run, and its text and JSON reports.
//
// Threading: plain data; the formatting functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cmd/weir-loadgen/latency_histogram.h"

namespace weir::loadgen {

struct RunStats {
  // Measured run only (warm-up requests are not counted here).
  uint64_t requests = 0;  // requests sent
  uint64_t sent_spans = 0;
  uint64_t acked_spans = 0;     // in acknowledged requests (rejected_spans included)
  uint64_t refused_spans = 0;   // in requests the collector refused (retryable push-back)
  uint64_t failed_spans = 0;    // in requests that failed otherwise
  uint64_t rejected_spans = 0;  // reported as rejected by partial-success responses
  double seconds = 0;           // from the end of the warm-up to the end of the run
  LatencyHistogram latency_us;  // acknowledged requests, send to answer

  // Whole run, warm-up included: decides the exit code.
  uint64_t acked_requests_total = 0;

  // The first distinct error messages with how often each occurred (bounded).
  std::map<std::string, uint64_t> errors;
  uint64_t other_errors = 0;  // errors not kept in `errors`
};

// The measured acknowledged span rate.
double AckedSpansPerSecond(const RunStats& stats);

// A few aligned lines for people.
std::string FormatTextReport(const RunStats& stats);

// One JSON object: {"sent_spans":..,"acked_spans":..,"refused_spans":..,"failed_spans":..,
// "rejected_spans":..,"requests":..,"seconds":..,"spans_per_second":..,
// "latency_us":{"p50":..,"p90":..,"p99":..,"p999":..,"max":..}}
std::string FormatJsonReport(const RunStats& stats);

// The error summary ("  37x connection refused") or "" when there was none.
std::string FormatErrors(const RunStats& stats);

}  // namespace weir::loadgen
