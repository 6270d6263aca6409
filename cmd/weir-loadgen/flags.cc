#include "cmd/weir-loadgen/flags.h"

#include <cmath>
#include <functional>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "config/blocks.h"
#include "config/node.h"

namespace weir::loadgen {

const char kLoadgenUsage[] = R"(usage: weir-loadgen --endpoint HOST:PORT [flags]

Sends OTLP traces to a collector and reports throughput and latency.

target
  --endpoint HOST:PORT        collector address (required)
  --protocol grpc|http|jaeger-udp|zipkin
                              default grpc; jaeger-udp sends Jaeger agent datagrams
                              (Thrift compact emitBatch, one per resource; no answers);
                              zipkin posts Zipkin v2 spans (--encoding json or proto) to
                              --path, default /api/v2/spans
  --encoding proto|json       HTTP body encoding, default proto
  --gzip                      gzip-compress requests (compressed once, at start-up)
  --path PATH                 HTTP request path, default /v1/traces
  --timeout DURATION          per-request deadline and connect timeout, default 10s
load
  --rate SPANS_PER_SEC        offered load; 0 = as fast as acknowledged (default 0)
  --duration DURATION         measured run time, Go syntax (default 10s without --count)
  --count N                   measured spans to send; with --duration, whichever ends first
  --warmup DURATION           sent before the measured run, not reported (default 0s)
  --connections N             gRPC channels / HTTP connections, default 2
  --inflight N                outstanding requests per connection, default 1 (HTTP opens
                              connections x inflight connections instead)
content
  --shape realistic|small     realistic HTTP-service spans (~500 B) or the otelcol testbed's
                              ~150 B spans with 2 int attributes; default realistic
  --spans-per-request N       default 100
  --spans-per-trace N         default 10
  --attributes N              attributes per span (realistic), default 10
  --attribute-size N          bytes of each string tag value, default 16
  --resource-attributes N     resource attributes (realistic), default 9
  --pii-percent N             share of spans (0-100) with an e-mail address, card number or
                              bearer token in one attribute (realistic), default 0
  --distinct N                pre-encoded requests cycled through, default 64
  --unique-traces             trace and span ids unique to every request sent (protobuf,
                              no gzip), so trace ids never repeat as the cycle comes round
  --trace-spread N            N consecutive requests share trace ids: each trace's spans
                              arrive over N requests (implies --unique-traces), default 1
  --seed N                    default 1
  --record FILE               write every request sent as one OTLP/JSON line (requests are
                              generated fresh, ids unique per request)
  --header NAME:VALUE         sent with every request (repeatable), e.g.
                              "authorization:Bearer TOKEN"
output
  --json                      print the report as one JSON object on stdout
)";

namespace {

using Setter = std::function<absl::Status(const std::string& value, LoadgenOptions* options)>;

absl::Status Bad(absl::string_view flag, absl::string_view value, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": \"", value, "\" is not ", expected));
}

Setter IntFlag(absl::string_view name, int min, int max, int LoadgenOptions::*field) {
  return [name = std::string(name), min, max, field](const std::string& value,
                                                     LoadgenOptions* options) {
    int parsed = 0;
    if (!absl::SimpleAtoi(value, &parsed) || parsed < min || parsed > max) {
      return Bad(name, value, absl::StrCat("an integer in [", min, ", ", max, "]"));
    }
    options->*field = parsed;
    return absl::OkStatus();
  };
}

Setter DurationFlag(absl::string_view name, bool allow_zero,
                    std::function<void(absl::Duration, LoadgenOptions*)> store) {
  return [name = std::string(name), allow_zero, store](const std::string& value,
                                                       LoadgenOptions* options) {
    absl::Duration parsed;
    if (!config::ParseGoDuration(value, &parsed) || parsed < absl::ZeroDuration() ||
        (!allow_zero && parsed == absl::ZeroDuration())) {
      return Bad(name, value,
                 allow_zero ? "a duration like 10s or 1m30s" : "a positive duration like 10s");
    }
    store(parsed, options);
    return absl::OkStatus();
  };
}

Setter StringFlag(std::string LoadgenOptions::*field) {
  return [field](const std::string& value, LoadgenOptions* options) {
    options->*field = value;
    return absl::OkStatus();
  };
}

const std::map<std::string, Setter, std::less<>>& ValueFlags() {
  static const auto* flags = new std::map<std::string, Setter, std::less<>>{
      {"endpoint",
       [](const std::string& v, LoadgenOptions* o) {
         config::HostPort hp;
         std::string error;
         if (!config::ParseHostPort(v, &hp, &error) || hp.port == 0) {
           return Bad("endpoint", v, "HOST:PORT with a non-zero port");
         }
         o->endpoint = v;
         return absl::OkStatus();
       }},
      {"protocol",
       [](const std::string& v, LoadgenOptions* o) {
         if (v == "grpc") {
           o->protocol = Protocol::kGrpc;
         } else if (v == "http") {
           o->protocol = Protocol::kHttp;
         } else if (v == "jaeger-udp") {
           o->protocol = Protocol::kJaegerUdp;
         } else if (v == "zipkin") {
           o->protocol = Protocol::kZipkin;
           if (o->path == "/v1/traces") o->path = "/api/v2/spans";
         } else {
           return Bad("protocol", v, "grpc, http, jaeger-udp or zipkin");
         }
         return absl::OkStatus();
       }},
      {"encoding",
       [](const std::string& v, LoadgenOptions* o) {
         if (v == "proto" || v == "protobuf") {
           o->encoding = Encoding::kProto;
         } else if (v == "json") {
           o->encoding = Encoding::kJson;
         } else {
           return Bad("encoding", v, "proto or json");
         }
         return absl::OkStatus();
       }},
      {"shape",
       [](const std::string& v, LoadgenOptions* o) {
         if (v == "realistic") {
           o->shape = Shape::kRealistic;
         } else if (v == "small") {
           o->shape = Shape::kSmall;
         } else {
           return Bad("shape", v, "realistic or small");
         }
         return absl::OkStatus();
       }},
      {"path",
       [](const std::string& v, LoadgenOptions* o) {
         if (!absl::StartsWith(v, "/")) return Bad("path", v, "a path starting with /");
         o->path = v;
         return absl::OkStatus();
       }},
      {"rate",
       [](const std::string& v, LoadgenOptions* o) {
         double rate = 0;
         if (!absl::SimpleAtod(v, &rate) || !std::isfinite(rate) || rate < 0) {
           return Bad("rate", v, "a number of spans per second >= 0");
         }
         o->rate = rate;
         return absl::OkStatus();
       }},
      {"count",
       [](const std::string& v, LoadgenOptions* o) {
         uint64_t count = 0;
         if (!absl::SimpleAtoi(v, &count) || count == 0) {
           return Bad("count", v, "a positive number of spans");
         }
         o->count = count;
         return absl::OkStatus();
       }},
      {"seed",
       [](const std::string& v, LoadgenOptions* o) {
         if (!absl::SimpleAtoi(v, &o->seed)) return Bad("seed", v, "an unsigned integer");
         return absl::OkStatus();
       }},
      {"duration", DurationFlag("duration", false,
                                [](absl::Duration d, LoadgenOptions* o) { o->duration = d; })},
      {"warmup",
       DurationFlag("warmup", true, [](absl::Duration d, LoadgenOptions* o) { o->warmup = d; })},
      {"timeout",
       DurationFlag("timeout", false, [](absl::Duration d, LoadgenOptions* o) { o->timeout = d; })},
      {"spans-per-request",
       IntFlag("spans-per-request", 1, 1'000'000, &LoadgenOptions::spans_per_request)},
      {"spans-per-trace",
       IntFlag("spans-per-trace", 1, 1'000'000, &LoadgenOptions::spans_per_trace)},
      {"attributes", IntFlag("attributes", 0, 1000, &LoadgenOptions::attributes)},
      {"attribute-size", IntFlag("attribute-size", 0, 1 << 20, &LoadgenOptions::attribute_size)},
      {"resource-attributes",
       IntFlag("resource-attributes", 0, 1000, &LoadgenOptions::resource_attributes)},
      {"pii-percent", IntFlag("pii-percent", 0, 100, &LoadgenOptions::pii_percent)},
      {"connections", IntFlag("connections", 1, 4096, &LoadgenOptions::connections)},
      {"inflight", IntFlag("inflight", 1, 4096, &LoadgenOptions::inflight)},
      {"distinct", IntFlag("distinct", 1, 1'000'000, &LoadgenOptions::distinct)},
      {"trace-spread", IntFlag("trace-spread", 1, 1'000'000, &LoadgenOptions::trace_spread)},
      {"record", StringFlag(&LoadgenOptions::record_path)},
      {"header",
       [](const std::string& v, LoadgenOptions* o) {
         size_t colon = v.find(':');
         if (colon == 0 || colon == std::string::npos) return Bad("header", v, "NAME:VALUE");
         std::string value = v.substr(colon + 1);
         while (!value.empty() && value.front() == ' ') value.erase(0, 1);
         o->headers.emplace_back(v.substr(0, colon), value);
         return absl::OkStatus();
       }},
  };
  return *flags;
}

// Flags without a value; "--name=true|false" is accepted too.
bool* BoolFlag(absl::string_view name, LoadgenOptions* options) {
  if (name == "gzip") return &options->gzip;
  if (name == "unique-traces") return &options->unique_traces;
  if (name == "json") return &options->json;
  if (name == "help") return &options->help;
  return nullptr;
}

}  // namespace

absl::Status ParseLoadgenFlags(int argc, char** argv, LoadgenOptions* options) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (!absl::ConsumePrefix(&arg, "--") || arg.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", argv[i], "\""));
    }
    std::string name(arg);
    std::optional<std::string> value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    }
    if (bool* flag = BoolFlag(name, options)) {
      if (!value || *value == "true" || *value == "1") {
        *flag = true;
      } else if (*value == "false" || *value == "0") {
        *flag = false;
      } else {
        return Bad(name, *value, "true or false");
      }
      continue;
    }
    auto it = ValueFlags().find(name);
    if (it == ValueFlags().end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag \"", argv[i], "\""));
    }
    if (!value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (absl::Status s = it->second(*value, options); !s.ok()) return s;
  }
  if (options->help) return absl::OkStatus();
  if (options->endpoint.empty()) return absl::InvalidArgumentError("--endpoint is required");
  if (options->encoding == Encoding::kJson && options->protocol != Protocol::kHttp &&
      options->protocol != Protocol::kZipkin) {
    return absl::InvalidArgumentError("--encoding json needs --protocol http or zipkin");
  }
  if ((options->protocol == Protocol::kJaegerUdp || options->protocol == Protocol::kZipkin) &&
      (options->gzip || options->unique_traces || options->trace_spread > 1 ||
       !options->record_path.empty())) {
    return absl::InvalidArgumentError(
        "--protocol jaeger-udp and zipkin take none of --gzip, --unique-traces, --trace-spread, "
        "--record");
  }
  if (options->trace_spread > 1) options->unique_traces = true;
  if (options->unique_traces && (options->gzip || options->encoding == Encoding::kJson)) {
    return absl::InvalidArgumentError(
        "--unique-traces and --trace-spread need protobuf without --gzip");
  }
  if (!options->duration && !options->count) options->duration = absl::Seconds(10);
  return absl::OkStatus();
}

WorkloadOptions WorkloadOptionsFrom(const LoadgenOptions& options) {
  WorkloadOptions w;
  w.shape = options.shape;
  w.spans_per_trace = options.spans_per_trace;
  w.attributes = options.attributes;
  w.attribute_size = options.attribute_size;
  w.resource_attributes = options.resource_attributes;
  w.pii_percent = options.pii_percent;
  w.seed = options.seed;
  return w;
}

}  // namespace weir::loadgen
