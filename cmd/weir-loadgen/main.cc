// weir-loadgen: sends OTLP traces to a collector at a fixed or unlimited rate and reports what
// was acknowledged, refused and failed, the achieved span rate and request latency.
//
// Requests are generated and encoded before the run (see payloads.h) so the generator is not
// the bottleneck; one I/O thread drives every connection (gRPC does its network work on its own
// threads). The start-up banner goes to stderr, the report to stdout (one JSON object with
// --json). SIGINT/SIGTERM end the run early and still report; a second signal exits at once.
//
// Exit codes: 0 the run completed and at least one request was acknowledged; 1 no request was
// acknowledged, or start-up failed (cannot connect, cannot write --record); 2 bad command line.

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/workload/workload.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/signal_set.hpp"
#include "cmd/weir-loadgen/flags.h"
#include "cmd/weir-loadgen/grpc_transport.h"
#include "cmd/weir-loadgen/http_transport.h"
#include "cmd/weir-loadgen/load_driver.h"
#include "cmd/weir-loadgen/payloads.h"
#include "cmd/weir-loadgen/report.h"
#include "cmd/weir-loadgen/send_schedule.h"
#include "cmd/weir-loadgen/udp_transport.h"

namespace weir::loadgen {
namespace {

std::unique_ptr<Transport> MakeTransport(boost::asio::io_context& io,
                                         const LoadgenOptions& options) {
  if (options.protocol == Protocol::kJaegerUdp) {
    return std::make_unique<UdpTransport>(io, options.endpoint,
                                          options.connections * options.inflight);
  }
  if (options.protocol == Protocol::kGrpc) {
    GrpcTransportOptions g;
    g.endpoint = options.endpoint;
    g.connections = options.connections;
    g.inflight = options.inflight;
    g.gzip = options.gzip;
    g.timeout = options.timeout;
    for (const auto& [name, value] : options.headers) {
      g.metadata.emplace_back(absl::AsciiStrToLower(name), value);
    }
    return std::make_unique<GrpcTransport>(io, g);
  }
  HttpTransportOptions h;
  h.endpoint = options.endpoint;
  h.path = options.path;
  h.encoding = options.encoding;
  h.gzip = options.gzip;
  // HTTP/1.1 without pipelining: one request in flight per connection.
  h.connections = options.connections * options.inflight;
  h.timeout = options.timeout;
  h.headers = options.headers;
  return std::make_unique<HttpTransport>(io, h);
}

std::string DescribeRun(const LoadgenOptions& options, const PayloadSource& payloads) {
  std::string limits;
  if (options.duration) limits = absl::FormatDuration(*options.duration);
  if (options.count) {
    absl::StrAppend(&limits, limits.empty() ? "" : " or ", *options.count, " spans");
  }
  return absl::StrFormat(
      "weir-loadgen: %s %s%s%s to %s, %s shape, %d spans/request (%.0f B/span encoded, "
      "%.0f B/request on the wire), %s, %s%s, %d connection(s) x %d in flight\n",
      options.protocol == Protocol::kGrpc     ? "grpc"
      : options.protocol == Protocol::kHttp   ? "http"
      : options.protocol == Protocol::kZipkin ? "zipkin v2"
                                              : "jaeger-udp (Thrift compact)",
      options.encoding == Encoding::kJson ? "json" : "proto", options.gzip ? "+gzip" : "",
      options.record_path.empty() ? "" : " (recording)", options.endpoint,
      options.shape == Shape::kSmall ? "small" : "realistic", options.spans_per_request,
      payloads.EncodedBytesPerSpan(), payloads.WireBytesPerRequest(),
      options.rate > 0 ? absl::StrFormat("%.0f spans/s", options.rate) : "unlimited rate", limits,
      options.warmup > absl::ZeroDuration()
          ? absl::StrCat(" after ", absl::FormatDuration(options.warmup), " warm-up")
          : "",
      options.connections, options.inflight);
}

void PrintReport(const LoadgenOptions& options, const RunStats& stats) {
  if (options.json) {
    std::printf("%s\n", FormatJsonReport(stats).c_str());
    std::string errors = FormatErrors(stats);
    if (!errors.empty()) std::fprintf(stderr, "weir-loadgen: errors\n%s", errors.c_str());
  } else {
    std::printf("%s", FormatTextReport(stats).c_str());
  }
  std::fflush(stdout);
}

int ExitCode(const RunStats& stats) { return stats.acked_requests_total > 0 ? 0 : 1; }

int Run(const LoadgenOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);

  std::FILE* record = nullptr;
  if (!options.record_path.empty()) {
    record = std::fopen(options.record_path.c_str(), "w");
    if (record == nullptr) {
      std::fprintf(stderr, "weir-loadgen: cannot write \"%s\"\n", options.record_path.c_str());
      return 1;
    }
  }

  PayloadSource payloads(WorkloadGenerator(WorkloadOptionsFrom(options)),
                         PayloadOptionsFrom(options));
  payloads.Prepare();

  boost::asio::io_context io(1);
  std::unique_ptr<Transport> transport = MakeTransport(io, options);
  if (absl::Status s = transport->Connect(options.timeout); !s.ok()) {
    std::fprintf(stderr, "weir-loadgen: %s\n", std::string(s.message()).c_str());
    if (record != nullptr) std::fclose(record);
    return 1;
  }
  std::fputs(DescribeRun(options, payloads).c_str(), stderr);

  SendSchedule schedule(ScheduleOptionsFrom(options), Clock::now());
  LoadDriver driver(io, schedule, payloads, *transport, record);
  auto work = boost::asio::make_work_guard(io);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  bool forced = false;
  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int) {
        if (ec || driver.finished()) return;
        if (!stopping) {
          // First signal: stop sending and wait for the answers still outstanding.
          stopping = true;
          std::fputs("weir-loadgen: stopping, waiting for outstanding requests\n", stderr);
          driver.Stop();
          signals.async_wait(on_signal);
          return;
        }
        forced = true;
        io.stop();
      };
  signals.async_wait(on_signal);

  driver.Start([&] {
    signals.cancel();
    work.reset();
  });
  io.run();

  if (forced) {
    // Requests are still outstanding; tearing gRPC down under them is not worth the risk.
    std::fputs("weir-loadgen: interrupted, report is partial\n", stderr);
    PrintReport(options, driver.stats());
    if (record != nullptr) std::fflush(record);
    std::_Exit(1);
  }
  transport->Close();
  if (record != nullptr && std::fclose(record) != 0) {
    std::fprintf(stderr, "weir-loadgen: error writing \"%s\"\n", options.record_path.c_str());
  }
  PrintReport(options, driver.stats());
  return ExitCode(driver.stats());
}

}  // namespace
}  // namespace weir::loadgen

int main(int argc, char** argv) {
  weir::loadgen::LoadgenOptions options;
  absl::Status parsed = weir::loadgen::ParseLoadgenFlags(argc, argv, &options);
  if (!parsed.ok()) {
    std::fprintf(stderr, "weir-loadgen: %s\n\n%s", std::string(parsed.message()).c_str(),
                 weir::loadgen::kLoadgenUsage);
    return 2;
  }
  if (options.help) {
    std::fputs(weir::loadgen::kLoadgenUsage, stdout);
    return 0;
  }
  return weir::loadgen::Run(options);
}
