// Command-line options of weir-loadgen and their parser.
//
// Threading: plain data; ParseLoadgenFlags is a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "bench/workload/workload.h"

namespace weir::loadgen {

// kJaegerUdp: Jaeger agent datagrams (Agent.emitBatch in Thrift compact, one per resource).
// kZipkin: Zipkin v2 over HTTP (POST /api/v2/spans, a JSON array or a protobuf ListOfSpans).
enum class Protocol { kGrpc, kHttp, kJaegerUdp, kZipkin };
enum class Encoding { kProto, kJson };

struct LoadgenOptions {
  std::string endpoint;                    // --endpoint HOST:PORT; required
  Protocol protocol = Protocol::kGrpc;     // --protocol grpc|http|jaeger-udp|zipkin
  Encoding encoding = Encoding::kProto;    // --encoding proto|json; json needs http or zipkin
  bool gzip = false;                       // --gzip: requests are gzip-compressed
  std::string path = "/v1/traces";         // --path: HTTP request target
  double rate = 0;                         // --rate spans/s; 0 sends as fast as acknowledged
  std::optional<absl::Duration> duration;  // --duration (Go syntax); 10s when neither it nor
                                           // --count is given
  std::optional<uint64_t> count;           // --count spans; with --duration, whichever ends first
  absl::Duration warmup = absl::ZeroDuration();  // --warmup: sent first, not in the report
  int spans_per_request = 100;                   // --spans-per-request
  int spans_per_trace = 10;                      // --spans-per-trace
  int attributes = 10;                           // --attributes per span (realistic shape)
  int attribute_size = 16;                       // --attribute-size: bytes of each string tag value
  int pii_percent = 0;                           // --pii-percent: spans with personal data
  int resource_attributes = 9;                   // --resource-attributes (realistic shape)
  Shape shape = Shape::kRealistic;               // --shape realistic|small
  int connections = 2;                           // --connections
  int inflight = 1;                              // --inflight requests outstanding per connection
  int distinct = 64;                             // --distinct pre-encoded requests cycled through
  // --unique-traces: every request sent gets trace and span ids of its own (the pre-encoded
  // bytes are patched per send), so a trace id never repeats as the cycle comes round.
  bool unique_traces = false;
  // --trace-spread N (implies --unique-traces): N consecutive requests share their trace ids,
  // so each trace's spans arrive over N requests (and connections). Default 1.
  int trace_spread = 1;
  std::string record_path;  // --record FILE: OTLP/JSON line per request sent
  // --header NAME:VALUE, repeatable: sent with every request (HTTP header or gRPC metadata,
  // whose names gRPC wants lower-case), e.g. credentials.
  std::vector<std::pair<std::string, std::string>> headers;
  bool json = false;                           // --json: report as one JSON object
  uint64_t seed = 1;                           // --seed
  absl::Duration timeout = absl::Seconds(10);  // --timeout per request (and for connecting)
  bool help = false;                           // --help
};

// The usage text printed for --help and after a bad flag.
extern const char kLoadgenUsage[];

// Parses `--name value` and `--name=value` flags into *options. Returns InvalidArgument naming
// the flag when one is unknown, lacks its value, has a malformed value or contradicts another.
absl::Status ParseLoadgenFlags(int argc, char** argv, LoadgenOptions* options);

// The workload part of the options.
WorkloadOptions WorkloadOptionsFrom(const LoadgenOptions& options);

}  // namespace weir::loadgen
