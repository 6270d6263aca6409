// Payloads: export requests encoded as the bytes weir-loadgen puts on the wire.
//
// PayloadSource hands out the payload of each request. Normally it encodes --distinct requests
// once at start-up (protobuf or OTLP/JSON, gzip applied once) and cycles through them, so
// sending costs no encoding at all. In record mode (--record) every request is generated and
// encoded fresh, with ids unique per request, and carries its OTLP/JSON line for the record.
//
// Threading: thread-compatible. weir-loadgen calls it from the one I/O thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/workload/workload.h"
#include "cmd/weir-loadgen/flags.h"

namespace weir::loadgen {

struct Payload {
  std::string body;  // wire bytes: protobuf or JSON, gzip-compressed when enabled
  // --protocol jaeger-udp: the request as agent datagrams, one per resource (body is empty).
  std::vector<std::string> datagrams;
  uint32_t spans = 0;       // spans in the request
  size_t encoded_size = 0;  // bytes before compression
  std::string record_line;  // OTLP/JSON + "\n" in record mode; empty otherwise
  // With unique traces: where each trace id and span id lies in `body` (its first byte).
  std::vector<uint32_t> trace_id_offsets;
  std::vector<uint32_t> span_id_offsets;
};

struct PayloadOptions {
  Encoding encoding = Encoding::kProto;
  bool gzip = false;
  bool jaeger = false;  // encode as Jaeger agent datagrams (Payload::datagrams)
  bool zipkin = false;  // encode as Zipkin v2 (JSON array or ListOfSpans, by `encoding`)
  int spans_per_request = 100;
  int distinct = 64;
  bool fresh = false;    // record mode: generate every request, keep its OTLP/JSON line
  int trace_spread = 0;  // > 0: unique trace ids per send, shared by this many sends in a row
};

PayloadOptions PayloadOptionsFrom(const LoadgenOptions& options);

class PayloadSource {
 public:
  PayloadSource(WorkloadGenerator generator, PayloadOptions options);

  // Encodes the distinct requests (unless fresh). Call once, before Next.
  void Prepare();

  // The payload of the next request, holding `spans` spans: options.spans_per_request, or
  // fewer for the last request of a --count run (generated on demand). The pointer stays valid
  // for as long as the caller keeps it.
  std::shared_ptr<const Payload> Next(int spans);

  // Averages over the prepared payloads (or the first generated one when fresh), for the
  // start-up banner.
  double EncodedBytesPerSpan() const;
  double WireBytesPerRequest() const;

 private:
  std::shared_ptr<const Payload> Make(int spans);

  WorkloadGenerator generator_;
  PayloadOptions options_;
  std::vector<std::shared_ptr<const Payload>> cycle_;
  size_t next_in_cycle_ = 0;
  uint64_t next_request_number_ = 0;
  uint64_t sends_ = 0;         // payloads handed out, for unique ids
  size_t group_template_ = 0;  // the template the current group of sends patches
  uint64_t run_salt_;          // differs per run, so two runs never share trace ids
};

}  // namespace weir::loadgen
