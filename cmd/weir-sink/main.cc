// weir-sink: an OTLP trace endpoint for benchmarks. It acknowledges, counts and discards what
// exporters send it, over gRPC and HTTP, and reports the counts on GET /stats and at exit.
//
// Start-up prints "weir-sink: grpc listening on ADDR" and "weir-sink: http listening on ADDR"
// to stderr (bound addresses, so port 0 is usable). SIGTERM/SIGINT stop it; the final
// {"spans":N,"requests":M,"bytes":B,"errors":E} line goes to stdout.
//
// Exit codes: 0 clean stop; 1 cannot listen; 2 bad command line.
//
// Threading: the main thread starts everything and then only waits for a signal. HTTP runs on
// a 2-thread I/O pool, gRPC on its own threads.

#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cmd/weir-sink/sink.h"
#include "config/blocks.h"
#include "grpcpp/grpcpp.h"
#include "pipeline/net/http_server.h"
#include "pipeline/net/io_pool.h"

namespace weir::sink {
namespace {

constexpr char kUsage[] = R"(usage: weir-sink [--grpc HOST:PORT|none] [--http HOST:PORT|none]
                 [--max-spans-per-second N]

  --grpc HOST:PORT   OTLP/gRPC listen address (default 127.0.0.1:0; "none" disables)
  --http HOST:PORT   OTLP/HTTP listen address (default 127.0.0.1:0; "none" disables);
                     POST /v1/traces, GET /stats, GET /stats?reset=1
  --max-spans-per-second N
                     a slow backend: acknowledge at most N spans per second overall,
                     holding each request until it fits (default 0: no limit)
)";

constexpr int kIoThreads = 2;
constexpr size_t kMaxBodyBytes = 64u << 20;
constexpr absl::Duration kShutdownGrace = absl::Seconds(2);

struct Flags {
  std::string grpc = "127.0.0.1:0";
  std::string http = "127.0.0.1:0";
  double max_spans_per_second = 0;
};

bool ParseFlags(int argc, char** argv, Flags* flags, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *error = "";
      return false;
    }
    std::string name = arg;
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); absl::StartsWith(arg, "--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    std::string* target = nullptr;
    std::string rate;
    if (name == "--grpc") target = &flags->grpc;
    if (name == "--http") target = &flags->http;
    if (name == "--max-spans-per-second") target = &rate;
    if (target == nullptr) {
      *error = absl::StrCat("unknown flag \"", arg, "\"");
      return false;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        *error = absl::StrCat(name, " needs a value");
        return false;
      }
      value = argv[++i];
    }
    if (target == &rate) {
      if (!absl::SimpleAtod(value, &flags->max_spans_per_second) ||
          !(flags->max_spans_per_second >= 0)) {
        *error = absl::StrCat(name, ": expected a number >= 0, got \"", value, "\"");
        return false;
      }
      continue;
    }
    if (value != "none") {
      config::HostPort parsed;
      std::string problem;
      if (!config::ParseHostPort(value, &parsed, &problem)) {
        *error = absl::StrCat(name, ": ", problem);
        return false;
      }
    }
    *target = value;
  }
  if (flags->grpc == "none" && flags->http == "none") {
    *error = "--grpc and --http are both \"none\"; nothing to listen on";
    return false;
  }
  return true;
}

// The address a gRPC server bound to, given the requested endpoint and the chosen port.
std::string GrpcBoundAddress(const std::string& endpoint, int port) {
  std::string host = endpoint.substr(0, endpoint.rfind(':'));
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  return absl::StrCat(host, ":", port);
}

int Run(const Flags& flags) {
  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  SinkCounters counters;
  counters.set_max_spans_per_second(flags.max_spans_per_second);
  net::IoPool io(kIoThreads);

  SinkGrpcService service(counters);
  SinkJaegerService jaeger_service(counters);
  std::unique_ptr<grpc::Server> grpc_server;
  if (flags.grpc != "none") {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(flags.grpc, grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxInflatedBytes));
    builder.RegisterService(&service);
    builder.RegisterService(&jaeger_service);
    grpc_server = builder.BuildAndStart();
    if (grpc_server == nullptr || port == 0) {
      std::fprintf(stderr, "weir-sink: grpc: cannot listen on %s\n", flags.grpc.c_str());
      return 1;
    }
    std::fprintf(stderr, "weir-sink: grpc listening on %s\n",
                 GrpcBoundAddress(flags.grpc, port).c_str());
  }

  std::unique_ptr<net::HttpServer> http_server;
  if (flags.http != "none") {
    net::HttpServerOptions options;
    options.endpoint = flags.http;
    options.max_body_bytes = kMaxBodyBytes;
    options.name = "weir-sink http";
    http_server = std::make_unique<net::HttpServer>(
        io.context(), options,
        [&counters](net::HttpRequest& request) { return HandleSinkHttp(request, counters); });
    if (absl::Status s = http_server->Start(); !s.ok()) {
      std::fprintf(stderr, "weir-sink: http: %s\n", std::string(s.message()).c_str());
      if (grpc_server) grpc_server->Shutdown();
      return 1;
    }
    std::fprintf(stderr, "weir-sink: http listening on %s\n", http_server->bound_address().c_str());
  }
  io.Start();

  int signal_number = 0;
  sigwait(&signals, &signal_number);

  absl::Time deadline = absl::Now() + kShutdownGrace;
  if (http_server) http_server->Shutdown(deadline);
  if (grpc_server) {
    grpc_server->Shutdown(absl::ToChronoTime(deadline));
    grpc_server->Wait();
  }
  io.Stop();
  std::printf("%s\n", StatsToJson(counters.Read(/*reset=*/false)).c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace weir::sink

int main(int argc, char** argv) {
  weir::sink::Flags flags;
  std::string error;
  if (!weir::sink::ParseFlags(argc, argv, &flags, &error)) {
    if (!error.empty()) std::fprintf(stderr, "weir-sink: %s\n\n", error.c_str());
    std::fputs(weir::sink::kUsage, stderr);
    return error.empty() ? 0 : 2;
  }
  return weir::sink::Run(flags);
}
