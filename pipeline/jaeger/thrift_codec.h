// Jaeger's Thrift encodings: the agent's UDP datagrams (a one-way Agent.emitBatch call in the
// compact or binary protocol), the collector's HTTP body (a binary-protocol Batch struct), and
// the conversion between the Thrift model and the api_v2 model that from_otlp.h / to_otlp.h
// translate, so OTLP is mapped to and from Jaeger in one place.
//
// Decoding untrusted bytes is bounded: strings and lists may not claim more elements than the
// input has bytes (so a forged length allocates nothing), nesting stops at Thrift's recursion
// limit (64), and every error is an InvalidArgument naming what was wrong.
//
// The Thrift model has microsecond times and 64-bit id halves; converting from api_v2 truncates
// nanoseconds to microseconds. The Thrift span's parentSpanId is the api_v2 span's first
// CHILD_OF reference in its trace; converting from Thrift adds a CHILD_OF reference for a
// parentSpanId that none of the references names, as Jaeger's collector does.
//
// Threading: stateless; safe from any thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pipeline/jaeger/model.h"

namespace weir::jaeger {

enum class ThriftProtocol { kCompact, kBinary };

// Decodes an agent datagram. The message must be a call or one-way call of "emitBatch" with
// the batch as field 1. InvalidArgument for anything else; Unimplemented for emitZipkinBatch
// (Zipkin v1 spans through the agent port), named as such.
absl::StatusOr<thrift::Batch> DecodeAgentDatagram(absl::string_view datagram,
                                                  ThriftProtocol protocol);

// Encodes `batch` as an agent datagram (a one-way emitBatch call with sequence id `seq_id`), as
// Jaeger clients send it. For tests and the load generator.
std::string EncodeAgentDatagram(const thrift::Batch& batch, ThriftProtocol protocol,
                                int32_t seq_id = 0);

// Decodes a binary-protocol Batch struct (the body of POST /api/traces).
absl::StatusOr<thrift::Batch> DecodeBatch(absl::string_view bytes);

// Encodes `batch` as a binary-protocol Batch struct.
std::string EncodeBatch(const thrift::Batch& batch);

// Thrift model → api_v2 model. Strings are moved out of `in`.
void ThriftToModel(thrift::Batch&& in, model::Batch* out);

// api_v2 model → Thrift model. Ids are read as big-endian halves (a trace id of 8 bytes is the
// low half).
void ModelToThrift(const model::Batch& in, thrift::Batch* out);

}  // namespace weir::jaeger
