#include "pipeline/jaeger/thrift_codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"
#include "pipeline/memory_budget.h"
#include "pipeline/thrift/bounded.h"
#include "thrift/protocol/TBinaryProtocol.h"
#include "thrift/protocol/TCompactProtocol.h"
#include "thrift/transport/TBufferTransports.h"

namespace weir::jaeger {

namespace {

using apache::thrift::TException;
using apache::thrift::protocol::TBinaryProtocolT;
using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;

// The smallest struct of these models on the wire (a Tag with an empty key): field headers,
// a length and a type, and the stop byte.
constexpr uint32_t kMinCompactStruct = 5;
constexpr uint32_t kMinBinaryStruct = 15;

using thrift_io::Binary;
using thrift_io::Compact;
using thrift_io::Limit;
using thrift_io::ReadBuffer;
using thrift_io::ThriftError;

// Every element is counted at the size of the largest generated struct.
constexpr uint64_t kElementBytes = sizeof(thrift::Span);

// Reads the arguments struct of an Agent call: field 1 of type STRUCT is the batch.
template <typename Protocol>
absl::StatusOr<thrift::Batch> ReadAgentCall(Protocol& p) {
  std::string name;
  TMessageType type = apache::thrift::protocol::T_CALL;
  int32_t seq_id = 0;
  p.readMessageBegin(name, type, seq_id);
  // The binary protocol hands the message type over as the byte that came, which need not be a
  // TMessageType: it is read as a number, not as the enum.
  int raw_type = 0;
  static_assert(sizeof(raw_type) == sizeof(type));
  std::memcpy(&raw_type, &type, sizeof(type));
  if (raw_type != apache::thrift::protocol::T_ONEWAY &&
      raw_type != apache::thrift::protocol::T_CALL) {
    return absl::InvalidArgumentError(
        absl::StrCat("Thrift message type ", raw_type, " is not a call"));
  }
  if (name == "emitZipkinBatch") {
    return absl::UnimplementedError("Agent.emitZipkinBatch (Zipkin v1 spans) is not supported");
  }
  if (name != "emitBatch") {
    return absl::InvalidArgumentError(absl::StrCat("unknown Agent method \"", name, "\""));
  }
  thrift::Batch batch;
  bool has_batch = false;
  std::string field_name;
  p.readStructBegin(field_name);
  while (true) {
    TType field_type;
    int16_t field_id = 0;
    p.readFieldBegin(field_name, field_type, field_id);
    if (field_type == apache::thrift::protocol::T_STOP) break;
    if (field_id == 1 && field_type == apache::thrift::protocol::T_STRUCT) {
      batch.read(&p);
      has_batch = true;
    } else {
      p.skip(field_type);
    }
    p.readFieldEnd();
  }
  p.readStructEnd();
  p.readMessageEnd();
  if (!has_batch) return absl::InvalidArgumentError("emitBatch without its batch (field 1)");
  return batch;
}

std::string Big64(int64_t high, int64_t low) {
  std::string out(16, '\0');
  absl::big_endian::Store64(out.data(), static_cast<uint64_t>(high));
  absl::big_endian::Store64(out.data() + 8, static_cast<uint64_t>(low));
  return out;
}

std::string Big64(int64_t v) {
  std::string out(8, '\0');
  absl::big_endian::Store64(out.data(), static_cast<uint64_t>(v));
  return out;
}

// The (high, low) halves of a big-endian id of up to 16 bytes (shorter ids are left-padded).
void Halves(const std::string& id, int64_t* high, int64_t* low) {
  char buf[16] = {};
  const size_t n = std::min<size_t>(id.size(), 16);
  std::memcpy(buf + 16 - n, id.data(), n);
  *high = static_cast<int64_t>(absl::big_endian::Load64(buf));
  *low = static_cast<int64_t>(absl::big_endian::Load64(buf + 8));
}

int64_t SpanIdOf(const std::string& id) {
  int64_t high = 0, low = 0;
  Halves(id, &high, &low);
  return low;
}

void TagToModel(thrift::Tag&& in, model::KeyValue* out) {
  out->set_key(std::move(in.key));
  switch (in.vType) {
    case thrift::TagType::STRING:
      out->set_v_type(::jaeger::api_v2::STRING);
      out->set_v_str(std::move(in.vStr));
      return;
    case thrift::TagType::DOUBLE:
      out->set_v_type(::jaeger::api_v2::FLOAT64);
      out->set_v_float64(in.vDouble);
      return;
    case thrift::TagType::BOOL:
      out->set_v_type(::jaeger::api_v2::BOOL);
      out->set_v_bool(in.vBool);
      return;
    case thrift::TagType::LONG:
      out->set_v_type(::jaeger::api_v2::INT64);
      out->set_v_int64(in.vLong);
      return;
    case thrift::TagType::BINARY:
      out->set_v_type(::jaeger::api_v2::BINARY);
      out->set_v_binary(std::move(in.vBinary));
      return;
    default:  // an unknown type: kept as its number, as to_otlp renders it
      out->set_v_type(static_cast<::jaeger::api_v2::ValueType>(in.vType));
      return;
  }
}

void TagFromModel(const model::KeyValue& in, thrift::Tag* out) {
  out->key = in.key();
  switch (in.v_type()) {
    case ::jaeger::api_v2::BOOL:
      out->vType = thrift::TagType::BOOL;
      out->__set_vBool(in.v_bool());
      return;
    case ::jaeger::api_v2::INT64:
      out->vType = thrift::TagType::LONG;
      out->__set_vLong(in.v_int64());
      return;
    case ::jaeger::api_v2::FLOAT64:
      out->vType = thrift::TagType::DOUBLE;
      out->__set_vDouble(in.v_float64());
      return;
    case ::jaeger::api_v2::BINARY:
      out->vType = thrift::TagType::BINARY;
      out->__set_vBinary(in.v_binary());
      return;
    default:
      out->vType = thrift::TagType::STRING;
      out->__set_vStr(in.v_str());
      return;
  }
}

// Microseconds as a Duration; durations of any i64 value fit (seconds stay far from the
// Duration's limits only for sane input, which the translation saturates later).
void SetDurationMicros(int64_t micros, google::protobuf::Duration* out) {
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000 * 1000));
}

void SetMicros(int64_t micros, google::protobuf::Timestamp* out) {
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

// Saturating: timestamps and durations from api_v2 may be any int64 of seconds.
int64_t MicrosOf(int64_t seconds, int32_t nanos) {
  const __int128 us = static_cast<__int128>(seconds) * 1000000 + nanos / 1000;
  if (us > INT64_MAX) return INT64_MAX;
  if (us < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(us);
}

int64_t MicrosOf(const google::protobuf::Timestamp& t) { return MicrosOf(t.seconds(), t.nanos()); }

void SpanToModel(thrift::Span&& in, model::Span* out) {
  out->set_trace_id(Big64(in.traceIdHigh, in.traceIdLow));
  out->set_span_id(Big64(in.spanId));
  out->set_operation_name(std::move(in.operationName));
  // The parentSpanId is the parent: it goes first, as a CHILD_OF reference in the span's trace,
  // and a reference that repeats it is not added again.
  if (in.parentSpanId != 0) {
    auto* ref = out->add_references();
    ref->set_trace_id(out->trace_id());
    ref->set_span_id(Big64(in.parentSpanId));
    ref->set_ref_type(::jaeger::api_v2::CHILD_OF);
  }
  for (const auto& ref : in.references) {
    if (in.parentSpanId != 0 && ref.refType == thrift::SpanRefType::CHILD_OF &&
        ref.spanId == in.parentSpanId && ref.traceIdHigh == in.traceIdHigh &&
        ref.traceIdLow == in.traceIdLow) {
      continue;
    }
    auto* r = out->add_references();
    r->set_trace_id(Big64(ref.traceIdHigh, ref.traceIdLow));
    r->set_span_id(Big64(ref.spanId));
    r->set_ref_type(ref.refType == thrift::SpanRefType::FOLLOWS_FROM
                        ? ::jaeger::api_v2::FOLLOWS_FROM
                        : ::jaeger::api_v2::CHILD_OF);
  }
  out->set_flags(static_cast<uint32_t>(in.flags));
  SetMicros(in.startTime, out->mutable_start_time());
  SetDurationMicros(in.duration, out->mutable_duration());
  out->mutable_tags()->Reserve(static_cast<int>(in.tags.size()));
  for (auto& tag : in.tags) TagToModel(std::move(tag), out->add_tags());
  for (auto& log : in.logs) {
    auto* l = out->add_logs();
    SetMicros(log.timestamp, l->mutable_timestamp());
    for (auto& field : log.fields) TagToModel(std::move(field), l->add_fields());
  }
}

void SpanFromModel(const model::Span& in, thrift::Span* out) {
  Halves(in.trace_id(), &out->traceIdHigh, &out->traceIdLow);
  out->spanId = SpanIdOf(in.span_id());
  out->operationName = in.operation_name();
  out->parentSpanId = 0;
  for (const auto& ref : in.references()) {
    if (ref.ref_type() == ::jaeger::api_v2::CHILD_OF && ref.trace_id() == in.trace_id()) {
      out->parentSpanId = SpanIdOf(ref.span_id());
      break;
    }
  }
  if (in.references_size() > 0) {
    out->__isset.references = true;
    out->references.reserve(in.references_size());
    for (const auto& ref : in.references()) {
      auto& r = out->references.emplace_back();
      r.refType = ref.ref_type() == ::jaeger::api_v2::FOLLOWS_FROM
                      ? thrift::SpanRefType::FOLLOWS_FROM
                      : thrift::SpanRefType::CHILD_OF;
      Halves(ref.trace_id(), &r.traceIdHigh, &r.traceIdLow);
      r.spanId = SpanIdOf(ref.span_id());
    }
  }
  out->flags = static_cast<int32_t>(in.flags());
  out->startTime = MicrosOf(in.start_time());
  out->duration = MicrosOf(in.duration().seconds(), in.duration().nanos());
  if (in.tags_size() > 0) {
    out->__isset.tags = true;
    out->tags.resize(in.tags_size());
    for (int i = 0; i < in.tags_size(); ++i) TagFromModel(in.tags(i), &out->tags[i]);
  }
  if (in.logs_size() > 0) {
    out->__isset.logs = true;
    out->logs.resize(in.logs_size());
    for (int i = 0; i < in.logs_size(); ++i) {
      const auto& log = in.logs(i);
      out->logs[i].timestamp = MicrosOf(log.timestamp());
      out->logs[i].fields.resize(log.fields_size());
      for (int f = 0; f < log.fields_size(); ++f) {
        TagFromModel(log.fields(f), &out->logs[i].fields[f]);
      }
    }
  }
}

template <typename Protocol>
std::string Write(const thrift::Batch& batch, bool as_agent_call, int32_t seq_id) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  Protocol p(buffer);
  if (as_agent_call) {
    p.writeMessageBegin("emitBatch", apache::thrift::protocol::T_ONEWAY, seq_id);
    p.writeStructBegin("Agent_emitBatch_args");
    p.writeFieldBegin("batch", apache::thrift::protocol::T_STRUCT, 1);
    batch.write(&p);
    p.writeFieldEnd();
    p.writeFieldStop();
    p.writeStructEnd();
    p.writeMessageEnd();
  } else {
    batch.write(&p);
  }
  return buffer->getBufferAsString();
}

}  // namespace

absl::StatusOr<thrift::Batch> DecodeAgentDatagram(absl::string_view datagram,
                                                  ThriftProtocol protocol) {
  try {
    auto buffer = ReadBuffer(datagram);
    if (protocol == ThriftProtocol::kCompact) {
      Compact p(buffer, kMinCompactStruct, kElementBytes, Limit(datagram), Limit(datagram));
      return ReadAgentCall(p);
    }
    // Not strict: old clients send messages without the version word, as otelcol accepts.
    Binary p(buffer, kMinBinaryStruct, kElementBytes, Limit(datagram), Limit(datagram), false,
             true);
    return ReadAgentCall(p);
  } catch (const TException& e) {
    return ThriftError(e);
  } catch (const std::bad_alloc&) {
    return pipeline::OverBudget("Thrift decoding");
  }
}

std::string EncodeAgentDatagram(const thrift::Batch& batch, ThriftProtocol protocol,
                                int32_t seq_id) {
  if (protocol == ThriftProtocol::kCompact) {
    return Write<TCompactProtocolT<TMemoryBuffer>>(batch, true, seq_id);
  }
  return Write<TBinaryProtocolT<TMemoryBuffer>>(batch, true, seq_id);
}

absl::StatusOr<thrift::Batch> DecodeBatch(absl::string_view bytes) {
  try {
    auto buffer = ReadBuffer(bytes);
    Binary p(buffer, kMinBinaryStruct, kElementBytes, Limit(bytes), Limit(bytes), false, true);
    thrift::Batch batch;
    batch.read(&p);
    return batch;
  } catch (const TException& e) {
    return ThriftError(e);
  } catch (const std::bad_alloc&) {
    return pipeline::OverBudget("Thrift decoding");
  }
}

std::string EncodeBatch(const thrift::Batch& batch) {
  return Write<TBinaryProtocolT<TMemoryBuffer>>(batch, false, 0);
}

void ThriftToModel(thrift::Batch&& in, model::Batch* out) {
  auto* process = out->mutable_process();
  process->set_service_name(std::move(in.process.serviceName));
  for (auto& tag : in.process.tags) TagToModel(std::move(tag), process->add_tags());
  out->mutable_spans()->Reserve(static_cast<int>(in.spans.size()));
  for (auto& span : in.spans) SpanToModel(std::move(span), out->add_spans());
}

void ModelToThrift(const model::Batch& in, thrift::Batch* out) {
  out->process.serviceName = in.process().service_name();
  if (in.process().tags_size() > 0) {
    out->process.__isset.tags = true;
    out->process.tags.resize(in.process().tags_size());
    for (int i = 0; i < in.process().tags_size(); ++i) {
      TagFromModel(in.process().tags(i), &out->process.tags[i]);
    }
  }
  out->spans.resize(in.spans_size());
  for (int i = 0; i < in.spans_size(); ++i) SpanFromModel(in.spans(i), &out->spans[i]);
}

}  // namespace weir::jaeger
