// weir: the collector daemon. Parses flags, loads and validates the configuration, runs the
// pipelines, and turns signals into a clean shutdown (SIGTERM, SIGINT) or a reload (SIGHUP).
//
// Exit codes: 0 clean shutdown; 1 invalid configuration or start-up failure, or a component
// failed while running; 2 bad command line.

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cmd/weir/components.h"
#include "config/loader.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "pipeline/net/io_pool.h"
#include "pipeline/service/memory_limit.h"
#include "pipeline/service/service_config.h"
#include "pipeline/service/service_runner.h"
#include "pipeline/telemetry/logger.h"
#include "pipeline/telemetry/metrics.h"

namespace weir {
namespace {

constexpr char kVersion[] = "0.1.0";

constexpr char kUsage[] = R"(usage:
  weir [--config FILE]...            run the collector (built-in default config without --config)
  weir validate --config FILE...     check a configuration and exit
  weir components                    list the compiled-in components
  weir --version                     print the version

Several --config files merge in order; later files override earlier ones key by key.
Signals: SIGTERM/SIGINT drain and exit; SIGHUP reloads the configuration files.
)";

struct Flags {
  std::string command = "run";
  std::vector<std::string> configs;
};

bool ParseFlags(int argc, char** argv, Flags* flags, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" || arg == "-c") {
      if (i + 1 >= argc) {
        *error = "--config needs a file";
        return false;
      }
      flags->configs.push_back(argv[++i]);
    } else if (absl::StartsWith(arg, "--config=")) {
      flags->configs.push_back(arg.substr(9));
    } else if (arg == "--version" || arg == "-v" || arg == "version") {
      flags->command = "version";
    } else if (arg == "--help" || arg == "-h" || arg == "help") {
      flags->command = "help";
    } else if (i == 1 && (arg == "validate" || arg == "components")) {
      flags->command = arg;
    } else {
      *error = absl::StrCat("unknown argument \"", arg, "\"");
      return false;
    }
  }
  if (flags->command == "validate" && flags->configs.empty()) {
    *error = "validate needs at least one --config FILE";
    return false;
  }
  return true;
}

// Loads and validates the configuration. Prints every problem to stderr and returns a null
// config when there is any.
service::LoadedConfig LoadConfig(const Flags& flags, const pipeline::Registry& registry) {
  config::Diagnostics diagnostics;
  for (const std::string& path : flags.configs) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      diagnostics.Add(path,
                      "is a directory; --config takes a YAML file (use --config once per "
                      "file to merge several)");
    }
  }
  YAML::Node document;
  if (diagnostics.ok()) {
    document = flags.configs.empty()
                   ? config::LoadString(service::kDefaultConfigYaml, "default config", &diagnostics)
                   : config::LoadFiles(flags.configs, &diagnostics);
  }
  service::LoadedConfig loaded;
  if (diagnostics.ok()) {
    loaded.config = service::DecodeServiceConfig(document, registry, &diagnostics);
    loaded.document = document;
  }
  if (!diagnostics.ok()) {
    std::string out =
        absl::StrCat("invalid configuration (", diagnostics.problems().size(), " problem",
                     diagnostics.problems().size() == 1 ? "" : "s", "):\n");
    for (const auto& p : diagnostics.problems())
      absl::StrAppend(&out, "  ", config::FormatProblem(p), "\n");
    std::fputs(out.c_str(), stderr);
    return {};
  }
  return loaded;
}

int ListComponents(const pipeline::Registry& registry) {
  using pipeline::Kind;
  for (Kind kind : {Kind::kReceiver, Kind::kProcessor, Kind::kExporter, Kind::kExtension}) {
    std::cout << pipeline::SectionName(kind) << ":\n";
    for (const std::string& type : registry.Types(kind)) {
      std::cout << "  - " << type;
      const pipeline::Factory* f = registry.Find(kind, type);
      for (absl::string_view alias : f->aliases()) std::cout << " (also " << alias << ")";
      std::cout << "\n";
    }
  }
  return 0;
}

std::atomic<bool> g_fatal{false};

// protobuf logs through its own handler (e.g. on a string field with invalid UTF-8); route it
// into weir's log at a bounded rate so bad input cannot flood stderr.
void RouteProtobufLogs() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* filename,
                                     int line, const std::string& message) {
    static log::RateLimited limiter;
    if (level >= google::protobuf::LOGLEVEL_ERROR) {
      limiter.Warn("protobuf", "%s", message);
    } else {
      log::Debug("protobuf", "%s", message);
    }
  });
}

// gRPC core writes its own lines to stderr (a multi-line dump when it cannot bind, one line per
// misbehaving connection); route them into weir's log format, errors at a bounded rate. weir
// reports the failures that matter to an operator on its own lines.
void RouteGrpcLogs() {
  gpr_set_log_function([](gpr_log_func_args* args) {
    static log::RateLimited limiter;
    if (args->severity == GPR_LOG_SEVERITY_ERROR) {
      limiter.Warn("grpc", "%s", args->message);
    } else {
      log::Debug("grpc", "%s (%s:%d)", args->message, args->file, args->line);
    }
  });
}

int Run(const Flags& flags, const pipeline::Registry& registry) {
  // Signals are taken synchronously by this thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  RouteProtobufLogs();
  RouteGrpcLogs();

  service::LoadedConfig loaded = LoadConfig(flags, registry);
  if (!loaded.config) return 1;
  log::SetLevel(loaded.config->telemetry.log_level);
  log::Info("main", "weir %s starting with %s", kVersion,
            flags.configs.empty() ? std::string("the built-in default config")
                                  : absl::StrCat(flags.configs.size(), " config file(s)"));

  telemetry::Telemetry telemetry;
  service::ExportMemoryMetrics(telemetry);
  int io_threads = std::clamp(net::UsableCpus(), 1, 4);
  net::IoPool io(io_threads);
  io.Start();
  net::SystemClock clock(io.context());
  auto on_fatal = [](const absl::Status&) {
    g_fatal = true;
    ::kill(::getpid(), SIGTERM);
  };

  int exit_code = 0;
  {
    service::ServiceRunner runner(registry, telemetry, io.context(), clock, on_fatal);
    if (absl::Status s = runner.Start(std::move(loaded)); !s.ok()) {
      log::Error("main", "cannot start: %s", s.message());
      runner.Shutdown();
      io.Stop();
      return 1;
    }
    while (true) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (sig != SIGHUP) {
        log::Info("main", "received %s; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
      }
      if (flags.configs.empty()) {
        log::Info("main", "received SIGHUP; running the built-in config, nothing to reload");
        continue;
      }
      log::Info("main", "received SIGHUP; reloading configuration");
      service::LoadedConfig next = LoadConfig(flags, registry);
      if (!next.config) {
        log::Error("main", "reload refused: the new configuration is invalid; keeping the old one");
        continue;
      }
      absl::StatusOr<service::ServiceRunner::ReloadOutcome> outcome =
          runner.Reload(std::move(next));
      if (!outcome.ok()) {
        log::Error("main", "nothing is running any more; exiting");
        exit_code = 1;
        break;
      }
      log::SetLevel(runner.service()->config().telemetry.log_level);
    }
    // Stops the running service and waits for those still draining after a reload.
    runner.Shutdown();
  }
  io.Stop();
  // What happened to the spans, for the operator: everything accepted was sent or is counted.
  auto total = [&](const char* name) { return static_cast<int64_t>(telemetry.Sum(name)); };
  log::Info("main",
            "shutdown complete: %d spans accepted, %d sent, %d dropped (processors %d, "
            "exporters %d)",
            total("otelcol_receiver_accepted_spans"), total("otelcol_exporter_sent_spans"),
            total("otelcol_processor_dropped_spans") + total("otelcol_exporter_send_failed_spans"),
            total("otelcol_processor_dropped_spans"), total("otelcol_exporter_send_failed_spans"));
  return g_fatal || exit_code != 0 ? 1 : 0;
}

}  // namespace
}  // namespace weir

int main(int argc, char** argv) {
  weir::Flags flags;
  std::string error;
  if (!weir::ParseFlags(argc, argv, &flags, &error)) {
    std::fprintf(stderr, "weir: %s\n%s", error.c_str(), weir::kUsage);
    return 2;
  }
  if (flags.command == "help") {
    std::fputs(weir::kUsage, stdout);
    return 0;
  }
  if (flags.command == "version") {
    std::printf("weir %s\n", weir::kVersion);
    return 0;
  }
  auto registry = weir::Components();
  if (!registry.ok()) {
    std::fprintf(stderr, "weir: %s\n", std::string(registry.status().message()).c_str());
    return 1;
  }
  if (flags.command == "components") return weir::ListComponents(**registry);
  if (flags.command == "validate") {
    if (!weir::LoadConfig(flags, **registry).config) return 1;
    std::printf("configuration is valid\n");
    return 0;
  }
  return weir::Run(flags, **registry);
}
