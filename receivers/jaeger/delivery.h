// Handing one Jaeger batch to the pipeline, shared by the receiver's four protocols. A Thrift
// batch (UDP, HTTP) read in place is written straight to OTLP's encoding
// (pipeline/jaeger/thrift_to_otlp.h); an api_v2 batch (gRPC) is translated to OTLP messages
// (pipeline/jaeger/to_otlp.h) and encoded. Either is then indexed and delivered as an OTLP
// request is (receivers/helper/delivery.h: invalid spans removed, accepted / refused counted).
//
// Threading: stateless; called concurrently from the gRPC, HTTP and UDP threads.
#pragma once

#include "pipeline/consumer.h"
#include "pipeline/jaeger/model.h"
#include "pipeline/jaeger/thrift_view.h"
#include "pipeline/request_context.h"
#include "pipeline/telemetry/metrics.h"
#include "receivers/helper/delivery.h"

namespace weir::receivers::jaeger {

// Logger component name of this receiver.
inline constexpr char kComponent[] = "receiver/jaeger";

// Writes a Thrift batch's OTLP request and delivers it. One whose strings are not valid UTF-8
// is refused whole with InvalidArgument, its spans counted as refused.
helper::Outcome DeliverThriftBatch(const pipeline::RequestContext& context,
                                   const weir::jaeger::thrift_view::Batch& batch,
                                   pipeline::TracesConsumer& next,
                                   telemetry::ReceiverMetrics& metrics);

// Translates an api_v2 `batch` and delivers it. A batch that cannot be translated (ids of a wrong
// length) or encoded (invalid UTF-8) is refused whole with InvalidArgument, its spans counted
// as refused.
helper::Outcome DeliverBatch(const pipeline::RequestContext& context,
                             weir::jaeger::model::Batch&& batch, pipeline::TracesConsumer& next,
                             telemetry::ReceiverMetrics& metrics);

}  // namespace weir::receivers::jaeger
