// Handing one Jaeger batch to the pipeline, shared by the receiver's four protocols: the batch
// is translated to OTLP (pipeline/jaeger/to_otlp.h), encoded and indexed, then delivered as
// an OTLP request is (receivers/helper/delivery.h: invalid spans removed, accepted / refused
// counted).
//
// Threading: stateless; called concurrently from the gRPC, HTTP and UDP threads.
#pragma once

#include "google/protobuf/arena.h"
#include "pipeline/consumer.h"
#include "pipeline/jaeger/model.h"
#include "pipeline/request_context.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/helper/delivery.h"

namespace weir::receivers::jaeger {

// Logger component name of this receiver.
inline constexpr char kComponent[] = "receiver/jaeger";

// Arena blocks for an api_v2 batch decoded from `wire_bytes` of Thrift (about twice its size).
google::protobuf::ArenaOptions ModelArenaOptions(size_t wire_bytes);

// Translates `batch` and delivers it. A batch that cannot be translated (ids of a wrong
// length) or encoded (invalid UTF-8) is refused whole with InvalidArgument, its spans counted
// as refused.
helper::Outcome DeliverBatch(const pipeline::RequestContext& context,
                             weir::jaeger::model::Batch&& batch, pipeline::TracesConsumer& next,
                             telemetry::ReceiverMetrics& metrics);

}  // namespace weir::receivers::jaeger
