#include "processors/attributes/processor.h"

namespace weir::processors::attributes {

absl::Status Processor::ConsumeTraces(const pipeline::RequestContext& context,
                                      pipeline::TraceBatch batch) {
  namespace transform = pipeline::transform;
  absl::Status status = batch.EditSpans([&](pipeline::SpanEditor& e) {
    const pipeline::SpanView& span = e.span();
    if (!config_.matcher.empty() && config_.matcher.Skip(span)) return;
    transform::WirePlan plan = transform::PlanOnWire(
        config_.actions, [&](auto fn) { otlp::wire::ForEachKeyValue(span.wire_bytes(), 9, fn); },
        context);
    switch (plan.kind) {
      case transform::WirePlan::kUnchanged:
        return;
      case transform::WirePlan::kInsert:
        e.set_wire_bytes(transform::InsertSpanAttributes(span.wire_bytes(), plan.inserts));
        return;
      case transform::WirePlan::kDecode:
        transform::ApplyActions(config_.actions, e.mutable_span()->mutable_attributes(), context);
        return;
    }
  });
  // An edit that cannot be encoded (a value with invalid UTF-8 from the request's metadata)
  // leaves its chunk as it was; the data is refused rather than sent on unedited.
  if (!status.ok()) return status;
  return next_.ConsumeTraces(context, std::move(batch));
}

}  // namespace weir::processors::attributes
